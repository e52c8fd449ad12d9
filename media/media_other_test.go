//go:build !(js && wasm)

package media

import (
	"context"
	"errors"
	"testing"

	"github.com/kazoo-softphone/kazoo/ua"
)

func TestFactoryOutsideBrowser(t *testing.T) {
	m, err := NewFactory(Config{})(context.Background(), ua.MediaEvents{})
	if m != nil || !errors.Is(err, ErrUnsupported) {
		t.Fatalf("m=%v err=%v", m, err)
	}
}
