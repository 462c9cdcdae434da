package gateway

// Additions made for the listener package (GoNJet's HTTP/1 engine); the
// lead may fold them into the core files.

// Grow makes room for n more fields, so that a protocol engine filling a
// request header it has already counted does it with one allocation.
func (h *Header) Grow(n int) {
	if cap(h.fields)-len(h.fields) >= n {
		return
	}
	f := make([]HeaderField, len(h.fields), len(h.fields)+n)
	copy(f, h.fields)
	h.fields = f
}
