package upstream

// Tried is the per-request selection state: which peers this request has
// already tried, whether it has moved on to the backup servers, and the
// hash methods' position. Declare one per request (the zero value is ready)
// and pass the same one to every Pick of that request. Up to 64 peers it
// needs no allocation.
type Tried struct {
	bits   uint64
	more   []uint64 // peers 64 and up, allocated only for big upstreams
	backup bool     // the primary servers are exhausted

	started bool   // hash state initialised
	hash    uint32 // ip_hash/hash accumulator, consistent-hash point index
	rehash  uint32 // hash: rounds done
	tries   int    // hash, ip_hash, random: rounds before round robin
}

// Reset makes t ready for a new request, keeping its allocation.
func (t *Tried) Reset() {
	more := t.more
	clear(more)
	*t = Tried{more: more[:0]}
}

// Backup reports whether the request has moved on to the backup servers.
func (t *Tried) Backup() bool { return t.backup }

func (t *Tried) has(i int) bool {
	if i < 64 {
		return t.bits&(1<<uint(i)) != 0
	}
	w := i/64 - 1
	return w < len(t.more) && t.more[w]&(1<<uint(i%64)) != 0
}

func (t *Tried) set(i int) {
	if i < 64 {
		t.bits |= 1 << uint(i)
		return
	}
	w := i/64 - 1
	if w >= len(t.more) {
		if w < cap(t.more) {
			t.more = t.more[:w+1]
		} else {
			t.more = append(t.more, make([]uint64, w+1-len(t.more))...)
		}
	}
	t.more[w] |= 1 << uint(i%64)
}

// clearBits forgets the tried peers, for the switch to the backup set
// whose indexes start again at 0.
func (t *Tried) clearBits() {
	t.bits = 0
	clear(t.more)
}
