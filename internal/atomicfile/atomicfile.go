package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write calls write with a temporary file in name's directory and, if
// write and closing succeed, renames it to name with mode 0644.
func Write(name string, write func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".atomicfile-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
