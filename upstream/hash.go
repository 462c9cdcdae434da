package upstream

import (
	"encoding/binary"
	"hash/crc32"
	"net/netip"
	"sort"
	"strings"
)

// The hash methods: nginx's ngx_http_upstream_ip_hash_module.c and
// ngx_http_upstream_hash_module.c. Each computes a first candidate from
// the key and walks on from it when that peer cannot be used; after 20
// unusable candidates the request falls back to round robin (and from
// there to the backup servers), exactly as nginx does, so keys map to the
// same servers as they do under nginx.

// maxHashTries is how many unusable candidates a hash method accepts
// before falling back to round robin.
const maxHashTries = 20

// pickIPHash keys on the first three octets of an IPv4 client address or
// on the whole IPv6 address; other clients (unix sockets) hash as 0.0.0.
func (u *Upstream) pickIPHash(t *Tried, ip netip.Addr) *Peer {
	s := &u.primary
	if t.tries > maxHashTries || t.backup || len(s.peers) < 2 {
		return u.pickRR(t)
	}
	if !t.started {
		t.started = true
		t.hash = 89
	}
	var a [16]byte
	addr := a[:3]
	switch {
	case ip.Is4():
		a4 := ip.As4()
		copy(a[:], a4[:3])
	case ip.Is6():
		a = ip.As16()
		addr = a[:]
	}

	now := u.nowSec()
	hash := t.hash
	for {
		for _, b := range addr {
			hash = (hash*113 + uint32(b)) % 6271
		}
		i := s.byWeight(int(hash % uint32(s.total)))
		if p := s.peers[i]; !t.has(i) && !p.unavailable(now) && p.acquire() {
			t.hash = hash
			return mark(p, t, now)
		}
		if t.tries++; t.tries > maxHashTries {
			return u.pickRR(t)
		}
	}
}

// pickHash is "hash KEY": the key's CRC32 as Cache::Memcached computes
// it, rehashed with a round number prefix for the next candidates.
func (u *Upstream) pickHash(t *Tried, key []byte) *Peer {
	s := &u.primary
	if t.tries > maxHashTries || t.backup || len(s.peers) < 2 || len(key) == 0 {
		return u.pickRR(t)
	}
	now := u.nowSec()
	for {
		var crc uint32
		if t.rehash > 0 {
			crc = crcDecimal(t.rehash)
		}
		crc = crc32.Update(crc, crc32.IEEETable, key)
		t.hash += (crc >> 16) & 0x7fff
		t.rehash++

		i := s.byWeight(int(t.hash % uint32(s.total)))
		if p := s.peers[i]; !t.has(i) && !p.unavailable(now) && p.acquire() {
			return mark(p, t, now)
		}
		if t.tries++; t.tries > maxHashTries {
			return u.pickRR(t)
		}
	}
}

// crcDecimal is the CRC-32 of n in decimal, computed byte by byte so the
// digits stay on the stack (crc32.Update would move them to the heap).
func crcDecimal(n uint32) uint32 {
	var buf [10]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	crc := ^uint32(0)
	for _, c := range buf[i:] {
		crc = crc32.IEEETable[byte(crc)^c] ^ crc>>8
	}
	return ^crc
}

// chashPoint is one point of the ketama continuum, owned by the peers
// whose Server text has the given id.
type chashPoint struct {
	hash   uint32
	server int
}

// chashPoints builds the continuum as nginx does: 160 points per weight
// unit and peer, point j being crc32(HOST "\0" PORT PREV) where PREV is
// the previous point's hash in little-endian bytes (zero for the first),
// compatible with Cache::Memcached::Fast. HOST and PORT come from the
// server address as written, so "localhost:80" and "127.0.0.1:80" are
// different points.
func chashPoints(peers []*Peer) []chashPoint {
	n := 0
	for _, p := range peers {
		n += p.Weight * 160
	}
	points := make([]chashPoint, 0, n)
	for _, p := range peers {
		host, port := splitServer(p.Server)
		base := crc32.Update(0, crc32.IEEETable, []byte(host))
		base = crc32.Update(base, crc32.IEEETable, []byte{0})
		base = crc32.Update(base, crc32.IEEETable, []byte(port))
		var prev [4]byte
		for j := 0; j < p.Weight*160; j++ {
			h := crc32.Update(base, crc32.IEEETable, prev[:])
			points = append(points, chashPoint{hash: h, server: p.serverID})
			binary.LittleEndian.PutUint32(prev[:], h)
		}
	}
	sort.SliceStable(points, func(i, j int) bool { return points[i].hash < points[j].hash })
	if len(points) == 0 {
		return points
	}
	i := 0
	for j := 1; j < len(points); j++ {
		if points[i].hash != points[j].hash {
			i++
			points[i] = points[j]
		}
	}
	return points[:i+1]
}

// splitServer splits a server address as nginx's chash does: "unix:"
// addresses are all host; otherwise a trailing ":digits" is the port.
func splitServer(s string) (host, port string) {
	if len(s) >= 5 && strings.EqualFold(s[:5], "unix:") {
		return s[5:], ""
	}
	for j := len(s) - 1; j >= 0; j-- {
		c := s[j]
		if c == ':' {
			return s[:j], s[j+1:]
		}
		if c < '0' || c > '9' {
			break
		}
	}
	return s, ""
}

// findPoint returns the index of the first point whose hash is >= h
// (len(points) when there is none, which wraps to the first point).
func findPoint(points []chashPoint, h uint32) int {
	return sort.Search(len(points), func(i int) bool { return points[i].hash >= h })
}

// pickCHash is "hash KEY consistent": the key's point on the continuum
// names a server; among the peers of that server (several when a name
// resolved to several addresses) smooth weighted round robin decides.
// When none of them is usable the next point is tried.
func (u *Upstream) pickCHash(t *Tried, key []byte) *Peer {
	s := &u.primary
	if t.tries > maxHashTries || t.backup || s.single || len(key) == 0 || len(u.points) == 0 {
		return u.pickRR(t)
	}
	if !t.started {
		t.started = true
		t.hash = uint32(findPoint(u.points, crc32.ChecksumIEEE(key)))
	}
	now := u.nowSec()
	u.mu.Lock()
	for {
		server := u.points[int(t.hash)%len(u.points)].server
		var best *Peer
		total := 0
		for i, p := range s.peers {
			if t.has(i) || p.serverID != server || p.unavailable(now) {
				continue
			}
			best = gain(p, best, &total)
		}
		if best != nil {
			best.st.currentWeight -= total
			take(best, t, now)
			u.mu.Unlock()
			return best
		}
		t.hash++
		if t.tries++; t.tries > maxHashTries {
			u.mu.Unlock()
			return u.pickRR(t)
		}
	}
}
