package upstream

import "math/rand/v2"

// pickRandom is nginx's ngx_http_upstream_random_module.c: a peer drawn at
// random with probability proportional to its weight ("random"), or the
// less loaded of two such draws ("random two [least_conn]"). After 20
// unusable draws the request falls back to round robin.
func (u *Upstream) pickRandom(t *Tried) *Peer {
	s := &u.primary
	if t.tries > maxHashTries || t.backup || len(s.peers) < 2 {
		return u.pickRR(t)
	}
	now := u.nowSec()

	if u.kind == kindRandom {
		for {
			i := s.byWeight(rand.IntN(s.total))
			if p := s.peers[i]; !t.has(i) && !p.unavailable(now) && p.acquire() {
				return mark(p, t, now)
			}
			if t.tries++; t.tries > maxHashTries {
				return u.pickRR(t)
			}
		}
	}

	var prev *Peer
	for {
		i := s.byWeight(rand.IntN(s.total))
		if p := s.peers[i]; p != prev && !t.has(i) && !p.unavailable(now) {
			if prev == nil {
				prev = p
			} else {
				if p.st.conns.Load()*int64(prev.Weight) > prev.st.conns.Load()*int64(p.Weight) {
					p = prev
				}
				if p.acquire() {
					return mark(p, t, now)
				}
				// Another request took the last max_conns slot meanwhile.
				prev = nil
			}
		}
		if t.tries++; t.tries > maxHashTries {
			return u.pickRR(t)
		}
	}
}
