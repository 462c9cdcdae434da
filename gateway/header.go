package gateway

import "strings"

// HeaderField is one header line as received or as it will be sent: the
// name keeps its original spelling.
type HeaderField struct {
	Name  string
	Value string
}

// Header is an ordered list of header fields with case-insensitive lookup.
// Unlike net/http's map, it keeps duplicates and the order and spelling of
// names, which nginx preserves when it proxies a request or a response.
// The zero value is an empty header ready to use.
type Header struct {
	fields []HeaderField
}

// Fields returns the fields in order. The slice is the header's own storage:
// read it, do not keep it past the request.
func (h *Header) Fields() []HeaderField { return h.fields }

// Len returns the number of fields, duplicates included.
func (h *Header) Len() int { return len(h.fields) }

// Reset empties the header and keeps its storage.
func (h *Header) Reset() { h.fields = h.fields[:0] }

// Add appends a field, keeping any fields of the same name.
func (h *Header) Add(name, value string) {
	h.fields = append(h.fields, HeaderField{Name: name, Value: value})
}

// Get returns the value of the first field called name, or "".
func (h *Header) Get(name string) string {
	for i := range h.fields {
		if sameName(h.fields[i].Name, name) {
			return h.fields[i].Value
		}
	}
	return ""
}

// Lookup is Get that also says whether the field exists.
func (h *Header) Lookup(name string) (string, bool) {
	for i := range h.fields {
		if sameName(h.fields[i].Name, name) {
			return h.fields[i].Value, true
		}
	}
	return "", false
}

// Has reports whether a field called name exists.
func (h *Header) Has(name string) bool {
	_, ok := h.Lookup(name)
	return ok
}

// Count returns the number of fields called name.
func (h *Header) Count(name string) int {
	n := 0
	for i := range h.fields {
		if sameName(h.fields[i].Name, name) {
			n++
		}
	}
	return n
}

// Values returns the values of all fields called name, in order.
func (h *Header) Values(name string) []string {
	var out []string
	for i := range h.fields {
		if sameName(h.fields[i].Name, name) {
			out = append(out, h.fields[i].Value)
		}
	}
	return out
}

// Set replaces the first field called name with value, removes the other
// fields of that name, and appends the field when there was none.
func (h *Header) Set(name, value string) {
	found := false
	out := h.fields[:0]
	for _, f := range h.fields {
		if sameName(f.Name, name) {
			if found {
				continue
			}
			found = true
			f.Value = value
		}
		out = append(out, f)
	}
	h.fields = out
	if !found {
		h.Add(name, value)
	}
}

// Del removes every field called name.
func (h *Header) Del(name string) {
	out := h.fields[:0]
	for _, f := range h.fields {
		if !sameName(f.Name, name) {
			out = append(out, f)
		}
	}
	for i := len(out); i < len(h.fields); i++ {
		h.fields[i] = HeaderField{}
	}
	h.fields = out
}

// Clone returns a deep copy.
func (h *Header) Clone() Header {
	return Header{fields: append([]HeaderField(nil), h.fields...)}
}

// Joined returns the values of all fields called name joined by sep, as
// nginx does for $http_cookie (sep "; ") and other repeated headers (", ").
func (h *Header) Joined(name, sep string) (string, bool) {
	var b strings.Builder
	n := 0
	for i := range h.fields {
		if sameName(h.fields[i].Name, name) {
			if n > 0 {
				b.WriteString(sep)
			}
			b.WriteString(h.fields[i].Value)
			n++
		}
	}
	if n == 1 {
		return h.Get(name), true
	}
	return b.String(), n > 0
}

// leadingFields are the response fields nginx writes first, in this
// order, before the others (ngx_http_header_filter).
var leadingFields = [...]string{"Server", "Date", "Content-Type", "Content-Length", "Last-Modified", "Location"}

// orderForResponse moves the fields nginx sends first to the front, in
// nginx's order, keeping the others in the order they were added.
func (h *Header) orderForResponse() {
	n := 0
	for _, name := range leadingFields {
		for i := n; i < len(h.fields); i++ {
			if sameName(h.fields[i].Name, name) {
				f := h.fields[i]
				copy(h.fields[n+1:i+1], h.fields[n:i])
				h.fields[n] = f
				n++
				break
			}
		}
	}
}

// sameName compares field names without case. Most names compared differ
// in length, which is checked first, inline.
func sameName(a, b string) bool {
	return len(a) == len(b) && strings.EqualFold(a, b)
}
