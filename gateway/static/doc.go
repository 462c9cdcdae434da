// Package static serves files: it is GoNJet's version of nginx's static,
// index, autoindex and try_files modules, with the root and alias
// mapping of URIs to paths.
//
// A location maps a request's URI to a file with its root ("root
// /var/www": /a/b.html is /var/www/a/b.html) or alias ("location /img/ {
// alias /data/pictures/; }": /img/x.png is /data/pictures/x.png). The
// static Handler then answers with the file: Content-Type from the
// location's MIME types, Last-Modified, ETag, conditional requests (304,
// 412) and byte ranges (206, multipart/byteranges, 416). A URI ending in
// '/' is answered by the first index file that exists (through an
// internal redirect), by a directory listing when autoindex is on, or
// with 403. try_files checks a list of candidate files before the content
// handler runs and falls back to a URI, a named location or a status.
//
// In njet.conf the directives are root, alias, index, try_files,
// autoindex, autoindex_exact_size, autoindex_format and
// autoindex_localtime; every location without another content handler
// (proxy_pass, return, ...) serves files, as in nginx. The variables
// $document_root, $realpath_root and $request_filename are defined here.
//
// From Go, attach a Config to a location:
//
//	loc := gateway.NewLocation(gateway.MatchPrefix, "/")
//	static.Install(loc, &static.Config{
//		Root:  gateway.StaticTemplate("/var/www"),
//		Index: []*gateway.Template{gateway.StaticTemplate("index.html")},
//	})
//
// Install makes Handler the location's content handler; handlers that
// have an open file of their own can answer through SendFile and reuse
// the conditional and range logic.
//
// A request for a small file costs what it costs nginx: open, fstat,
// pread and close on a bare descriptor (no *os.File, no poller), with
// Last-Modified, ETag and Content-Length taken from a cache keyed by the
// file's modification time and size, and no allocation. An engine whose
// ResponseWriter implements io.ReaderFrom receives files of 32 KiB and
// more as an *os.File, so that it can copy them with sendfile.
package static
