package transport

import (
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// ServeFiles returns the handler of a design's Files: with wildcard empty
// it serves the file filePath of fsys; else the file the request's
// {wildcard...} names under the directory filePath, and for a directory
// its index.html (never a listing). fsys nil is http.Dir(".").
//
// A wildcard with a ".." element (however it was encoded in the URL), a
// backslash or a NUL is refused with 400 before fsys is asked, so no
// request reads outside filePath whatever the http.FileSystem does with
// such names.
func ServeFiles(fsys http.FileSystem, filePath, wildcard string) http.Handler {
	if fsys == nil {
		fsys = http.Dir(".")
	}
	root := path.Clean("/" + filePath)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := root
		if wildcard != "" {
			rel := r.PathValue(wildcard)
			if !safeRelativePath(rel) {
				http.Error(w, "invalid file path: \"..\" elements, backslashes and NUL bytes are refused", http.StatusBadRequest)
				return
			}
			name = path.Join(root, rel)
		}
		f, err := fsys.Open(name)
		if err != nil {
			writeFileError(w, err)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			writeFileError(w, err)
			return
		}
		if st.IsDir() {
			if wildcard == "" {
				http.NotFound(w, r)
				return
			}
			index, err := fsys.Open(path.Join(name, "index.html"))
			if err != nil {
				writeFileError(w, err)
				return
			}
			defer index.Close()
			if st, err = index.Stat(); err != nil || st.IsDir() {
				http.NotFound(w, r)
				return
			}
			f = index
		}
		http.ServeContent(w, r, st.Name(), st.ModTime(), f)
	})
}

// safeRelativePath reports whether rel, a decoded request path below a
// served directory, stays below it.
func safeRelativePath(rel string) bool {
	if strings.ContainsAny(rel, "\\\x00") {
		return false
	}
	for _, seg := range strings.Split(rel, "/") {
		if seg == ".." {
			return false
		}
	}
	return true
}

func writeFileError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		http.Error(w, "404 page not found", http.StatusNotFound)
	case errors.Is(err, fs.ErrPermission):
		http.Error(w, "403 forbidden", http.StatusForbidden)
	default:
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
	}
}
