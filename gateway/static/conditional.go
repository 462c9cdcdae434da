package static

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/gonjet/gonjet/gateway"
)

// Precondition evaluates the request's If-Unmodified-Since, If-Match,
// If-Modified-Since and If-None-Match headers against a response that
// would be a 200 with the given Last-Modified time (Unix seconds, -1 when
// unknown) and ETag ("" when none), as nginx's not-modified filter does.
// It returns 412 (Precondition Failed), 304 (Not Modified) or 0 (send
// the response). The location's if_modified_since setting (exact,
// before, off) decides how If-Modified-Since compares.
func Precondition(c *gateway.Ctx, mtime int64, etag string) int {
	hdr := &c.Req.Header
	if v, ok := hdr.Lookup("If-Unmodified-Since"); ok {
		t, valid := gateway.ParseHTTPTime(v)
		if mtime == -1 || !valid || t < mtime {
			return 412
		}
	}
	if v, ok := hdr.Lookup("If-Match"); ok && !etagMatch(v, etag, false) {
		return 412
	}
	ims, hasIMS := hdr.Lookup("If-Modified-Since")
	inm, hasINM := hdr.Lookup("If-None-Match")
	if !hasIMS && !hasINM {
		return 0
	}
	if hasIMS && modifiedSince(c, ims, mtime) {
		return 0
	}
	if hasINM && !etagMatch(inm, etag, true) {
		return 0
	}
	return 304
}

// modifiedSince reports whether the resource changed after the
// If-Modified-Since date.
func modifiedSince(c *gateway.Ctx, ims string, mtime int64) bool {
	mode := c.Loc.Core.IfModifiedSince
	if mtime == -1 || mode == "off" {
		return true
	}
	t, ok := gateway.ParseHTTPTime(ims)
	if !ok {
		t = -1
	}
	if t == mtime {
		return false
	}
	return mode != "before" || t < mtime
}

// etagMatch tests an If-Match (weak=false) or If-None-Match (weak=true)
// list against the response's entity tag: "*" matches anything that
// exists; with weak comparison the W/ prefixes are ignored.
func etagMatch(list, etag string, weak bool) bool {
	if list == "*" {
		return true
	}
	if etag == "" {
		return false
	}
	if weak && len(etag) > 2 && strings.HasPrefix(etag, "W/") {
		etag = etag[2:]
	}
	s := list
	for len(s) > 0 {
		if weak && len(s) > 2 && strings.HasPrefix(s, "W/") {
			s = s[2:]
		}
		if len(etag) > len(s) {
			return false
		}
		if strings.HasPrefix(s, etag) {
			rest := strings.TrimLeft(s[len(etag):], " \t")
			if rest == "" || rest[0] == ',' {
				return true
			}
		}
		// skip to the next list element
		i := strings.IndexByte(s, ',')
		if i < 0 {
			return false
		}
		s = strings.TrimLeft(s[i:], " \t,")
	}
	return false
}

// byteRange is a half-open range [start, end) of the body.
type byteRange struct {
	start, end int64
}

// parseRanges is nginx's range filter decision for a 200 answer of size
// bytes: it returns the ranges and 206, or 416 when the Range header
// cannot be satisfied, or 0 when the whole body is to be sent (no or
// unusable Range, If-Range mismatch, too many ranges, overlapping ranges
// larger than the body). maxRanges < 0 means no limit.
func parseRanges(c *gateway.Ctx, size, mtime int64, etag string, maxRanges int) ([]byteRange, int) {
	hdr := &c.Req.Header
	rng, ok := hdr.Lookup("Range")
	if !ok || len(rng) < 7 || !strings.EqualFold(rng[:6], "bytes=") {
		return nil, 0
	}
	if ir, ok := hdr.Lookup("If-Range"); ok {
		if len(ir) >= 2 && ir[len(ir)-1] == '"' {
			if etag == "" || ir != etag {
				return nil, 0
			}
		} else {
			t, valid := gateway.ParseHTTPTime(ir)
			if mtime == -1 || !valid || t != mtime {
				return nil, 0
			}
		}
	}
	limit := maxRanges
	unlimited := maxRanges < 0
	if unlimited {
		limit = math.MaxInt32
	}
	return rangeSpec(rng[6:], size, limit, unlimited)
}

// rangeSpec parses the part of a Range header after "bytes=".
func rangeSpec(p string, size int64, limit int, unlimited bool) ([]byteRange, int) {
	var out []byteRange
	var total int64
	i := 0
	at := func() byte {
		if i < len(p) {
			return p[i]
		}
		return 0
	}
	skipSpaces := func() {
		for at() == ' ' {
			i++
		}
	}
	number := func() (int64, bool) {
		var n int64
		for at() >= '0' && at() <= '9' {
			d := int64(at() - '0')
			if n > (math.MaxInt64-d)/10 {
				return 0, false
			}
			n = n*10 + d
			i++
		}
		return n, true
	}
	left := limit
	for {
		var start, end int64
		suffix := false
		skipSpaces()
		if at() != '-' {
			if at() < '0' || at() > '9' {
				return nil, 416
			}
			var ok bool
			if start, ok = number(); !ok {
				return nil, 416
			}
			skipSpaces()
			if at() != '-' {
				return nil, 416
			}
			i++
			skipSpaces()
			if at() == ',' || at() == 0 {
				end = size
				goto found
			}
		} else {
			suffix = true
			i++
		}
		if at() < '0' || at() > '9' {
			return nil, 416
		}
		{
			var ok bool
			if end, ok = number(); !ok {
				return nil, 416
			}
		}
		skipSpaces()
		if at() != ',' && at() != 0 {
			return nil, 416
		}
		if suffix {
			start = 0
			if end < size {
				start = size - end
			}
			end = size - 1
		}
		if end >= size {
			end = size
		} else {
			end++
		}
	found:
		if start < end {
			out = append(out, byteRange{start, end})
			if total > math.MaxInt64-(end-start) {
				return nil, 416
			}
			total += end - start
			if left == 0 {
				return nil, 0
			}
			left--
		} else if start == 0 {
			return nil, 0
		}
		if at() != ',' {
			break
		}
		i++
	}
	switch {
	case len(out) == 0:
		return nil, 416
	case len(out) == 1:
		return out, 206
	case total > size:
		return nil, 0
	case unlimited && total+int64(len(out))*256 > size+4096:
		return nil, 0
	}
	return out, 206
}

var boundarySeq atomic.Uint64

func init() {
	var b [8]byte
	rand.Read(b[:])
	boundarySeq.Store(binary.LittleEndian.Uint64(b[:]) % 1e10)
}

// multipartHeads builds the multipart/byteranges framing: the boundary,
// the head of each part, and the total body length.
func multipartHeads(ctype string, rs []byteRange, size int64) (boundary string, parts []string, length int64) {
	boundary = fmt.Sprintf("%020d", boundarySeq.Add(1))
	head := "\r\n--" + boundary + "\r\n"
	if ctype != "" {
		head += "Content-Type: " + ctype + "\r\n"
	}
	head += "Content-Range: bytes "
	parts = make([]string, len(rs))
	sz := strconv.FormatInt(size, 10)
	for i, r := range rs {
		parts[i] = head + strconv.FormatInt(r.start, 10) + "-" + strconv.FormatInt(r.end-1, 10) + "/" + sz + "\r\n\r\n"
		length += int64(len(parts[i])) + r.end - r.start
	}
	length += int64(len("\r\n--" + boundary + "--\r\n"))
	return boundary, parts, length
}
