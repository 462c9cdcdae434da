package upstream

// Round robin and least_conn: nginx's ngx_http_upstream_round_robin.c and
// ngx_http_upstream_least_conn_module.c. Both work under u.mu because the
// smooth weighted round robin updates the weights of every candidate.

// pickRR is nginx's ngx_http_upstream_get_round_robin_peer: smooth
// weighted round robin over the primary peers, then over the backup
// peers once no primary peer is left for this request.
func (u *Upstream) pickRR(t *Tried) *Peer {
	now := u.nowSec()
	u.mu.Lock()
	defer u.mu.Unlock()
	return tiered(u, t, now, getRR)
}

// pickLeastConn is nginx's ngx_http_upstream_get_least_conn_peer.
func (u *Upstream) pickLeastConn(t *Tried) *Peer {
	if !t.backup && u.primary.single {
		return u.pickRR(t)
	}
	now := u.nowSec()
	u.mu.Lock()
	defer u.mu.Unlock()
	return tiered(u, t, now, getLeastConn)
}

// tiered runs get on the primary tier and, when it finds nothing and the
// upstream has backup servers, moves the request to the backup tier for
// good (nginx switches rrp->peers and clears the tried bits).
func tiered(u *Upstream, t *Tried, now int64, get func(*peerSet, *Tried, int64) *Peer) *Peer {
	if !t.backup {
		if p := get(&u.primary, t, now); p != nil {
			return p
		}
		if len(u.backup.peers) == 0 {
			return nil
		}
		t.backup = true
		t.clearBits()
	}
	return get(&u.backup, t, now)
}

// getRR picks by smooth weighted round robin: every candidate gains its
// effective weight, the richest wins and pays the total. With weights
// 5, 1, 1 this yields a a b a c a a.
func getRR(s *peerSet, t *Tried, now int64) *Peer {
	if s.single {
		// A lone server is neither marked tried nor taken out of rotation
		// by failures, only by "down" and max_conns.
		p := s.peers[0]
		if p.Down || p.MaxConns > 0 && p.st.conns.Load() >= int64(p.MaxConns) {
			return nil
		}
		p.st.conns.Add(1)
		return p
	}

	var best *Peer
	total := 0
	for i, p := range s.peers {
		if t.has(i) || p.unavailable(now) {
			continue
		}
		st := p.st
		st.currentWeight += st.effectiveWeight
		total += st.effectiveWeight
		if st.effectiveWeight < p.Weight {
			st.effectiveWeight++
		}
		if best == nil || st.currentWeight > best.st.currentWeight {
			best = p
		}
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
			st := p.st
			st.currentWeight += st.effectiveWeight
			total += st.effectiveWeight
			if st.effectiveWeight < p.Weight {
				st.effectiveWeight++
			}
			if st.currentWeight > best.st.currentWeight {
				best = p
			}
		}
	}
	best.st.currentWeight -= total
	return take(best, t, now)
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
