package upstream

// Round robin and least_conn: nginx's ngx_http_upstream_round_robin.c and
// ngx_http_upstream_least_conn_module.c. Both work under u.mu because the
// smooth weighted round robin updates the weights of every candidate.

// pickRR is nginx's ngx_http_upstream_get_round_robin_peer: smooth
// weighted round robin over the primary peers, then over the backup
// peers once no primary peer is left for this request.
func (u *Upstream) pickRR(t *Tried) *Peer {
	if !t.backup && u.primary.single {
		// One primary server: no weights to update and no failure
		// window to read, so neither the mutex nor the clock.
		if p := getSingle(u.primary.peers[0]); p != nil || len(u.backup.peers) == 0 {
			return p
		}
	}
	now := u.nowSec()
	u.mu.Lock()
	defer u.mu.Unlock()
	return tiered(u, t, now, false)
}

// pickLeastConn is nginx's ngx_http_upstream_get_least_conn_peer.
func (u *Upstream) pickLeastConn(t *Tried) *Peer {
	if !t.backup && u.primary.single {
		return u.pickRR(t)
	}
	now := u.nowSec()
	u.mu.Lock()
	defer u.mu.Unlock()
	return tiered(u, t, now, true)
}

// tiered picks from the primary tier and, when it finds nothing and the
// upstream has backup servers, moves the request to the backup tier for
// good (nginx switches rrp->peers and clears the tried bits).
func tiered(u *Upstream, t *Tried, now int64, leastConn bool) *Peer {
	if !t.backup {
		if p := get(&u.primary, t, now, leastConn); p != nil {
			return p
		}
		if len(u.backup.peers) == 0 {
			return nil
		}
		t.backup = true
		t.clearBits()
	}
	return get(&u.backup, t, now, leastConn)
}

// get is a direct call rather than a function value so that the Tried of
// a request does not escape to the heap.
func get(s *peerSet, t *Tried, now int64, leastConn bool) *Peer {
	if leastConn {
		return getLeastConn(s, t, now)
	}
	return getRR(s, t, now)
}

// getSingle is the pick of a lone server, which is neither marked tried
// nor taken out of rotation by failures, only by "down" and max_conns. It
// needs no lock: acquire keeps max_conns exact on its own.
func getSingle(p *Peer) *Peer {
	if p.Down || !p.acquire() {
		return nil
	}
	return p
}

// getRR picks by smooth weighted round robin: every candidate gains its
// effective weight, the richest wins and pays the total. With weights
// 5, 1, 1 this yields a a b a c a a.
func getRR(s *peerSet, t *Tried, now int64) *Peer {
	if s.single {
		return getSingle(s.peers[0])
	}

	var best *Peer
	total := 0
	for i, p := range s.peers {
		if t.has(i) || p.unavailable(now) {
			continue
		}
		best = gain(p, best, &total)
	}
	if best == nil {
		return nil
	}
	best.st.currentWeight -= total
	return take(best, t, now)
}

// getLeastConn picks the peer with the fewest requests in flight relative
// to its weight; ties are broken by smooth weighted round robin among the
// tied peers.
func getLeastConn(s *peerSet, t *Tried, now int64) *Peer {
	var best *Peer
	many := false
	for i, p := range s.peers {
		if t.has(i) || p.unavailable(now) {
			continue
		}
		if best == nil || p.st.conns.Load()*int64(best.Weight) < best.st.conns.Load()*int64(p.Weight) {
			best, many = p, false
		} else if p.st.conns.Load()*int64(best.Weight) == best.st.conns.Load()*int64(p.Weight) {
			many = true
		}
	}
	if best == nil {
		return nil
	}

	total := 0
	if many {
		for i := best.index; i < len(s.peers); i++ {
			p := s.peers[i]
			if t.has(i) || p.Down {
				continue
			}
			if p.st.conns.Load()*int64(best.Weight) != best.st.conns.Load()*int64(p.Weight) {
				continue
			}
			if p.unavailable(now) {
				continue
			}
			best = gain(p, best, &total)
		}
	}
	best.st.currentWeight -= total
	return take(best, t, now)
}

// gain is one candidate's step of a smooth weighted round robin round:
// the candidate's current weight grows by its effective weight (which
// itself recovers by one towards Weight after failures lowered it), and
// the candidate becomes the round's leader if it is now ahead of best.
func gain(p, best *Peer, total *int) *Peer {
	st := p.st
	st.currentWeight += st.effectiveWeight
	*total += st.effectiveWeight
	if st.effectiveWeight < p.Weight {
		st.effectiveWeight++
	}
	if best == nil || st.currentWeight > best.st.currentWeight {
		return p
	}
	return best
}

// take books a picked peer: one more request in flight, then mark.
func take(p *Peer, t *Tried, now int64) *Peer {
	p.st.conns.Add(1)
	return mark(p, t, now)
}

// mark records that the request tried p and starts a new fail_timeout
// window for p if the last one is over. The methods that pick without
// u.mu count the request in flight themselves (Peer.acquire).
func mark(p *Peer, t *Tried, now int64) *Peer {
	t.set(p.index)
	p.markChecked(now)
	return p
}
