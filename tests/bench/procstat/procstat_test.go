package procstat

import (
	"os"
	"testing"
)

func TestSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	sink := 0
	for i := 0; i < 50_000_000 && CPUTime(os.Getpid()) == 0; i++ {
		sink += i
	}
	if CPUTime(os.Getpid()) <= 0 || RSSKB(os.Getpid()) <= 0 {
		t.Fatalf("cpu %v, rss %d KiB", CPUTime(os.Getpid()), RSSKB(os.Getpid()))
	}
	if CPUTime(-1) != 0 || RSSKB(-1) != 0 {
		t.Fatal("a missing process should read 0")
	}
	_ = sink
}
