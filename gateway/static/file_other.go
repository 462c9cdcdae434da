//go:build !unix

package static

import "os"

// rawFile is a file of the document tree. Where descriptors cannot be
// used directly it is an *os.File; file_unix.go has the cheaper form.
type rawFile struct {
	f *os.File
}

// open opens the file named by pathz, a NUL-terminated path.
func (r *rawFile) open(pathz []byte) error {
	f, err := os.Open(string(pathz[:len(pathz)-1]))
	if err != nil {
		return err
	}
	r.f = f
	return nil
}

func (r *rawFile) stat() (fileInfo, error) {
	st, err := r.f.Stat()
	if err != nil {
		return fileInfo{}, err
	}
	fi := fileInfo{size: st.Size(), mtime: st.ModTime().Unix()}
	switch {
	case st.Mode().IsRegular():
		fi.kind = kindRegular
	case st.IsDir():
		fi.kind = kindDir
	}
	return fi, nil
}

// ReadAt is io.ReaderAt.
func (r *rawFile) ReadAt(p []byte, off int64) (int, error) { return r.f.ReadAt(p, off) }

func (r *rawFile) osFile() *os.File { return r.f }

func (r *rawFile) close() { r.f.Close() }
