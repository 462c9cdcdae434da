package vts

import (
	"strconv"
	"unicode/utf8"
)

// maxIntegerSize is what overCounts.maxIntegerSize reports on a 64-bit
// build: counters wrap after it (in practice they never do, so the
// overCounts are always 0).
const maxIntegerSize = "18446744073709551615"

// AppendJSON appends r in nginx-module-vts's JSON format, as OpenNJet
// writes it: the same keys in the same order, cache counters included,
// and the request-delay percentiles beside the upstream groups. The
// filterZones and upstreamZones objects are left out when empty.
func (r *Report) AppendJSON(b []byte) []byte {
	b = append(b, `{"hostName":`...)
	b = appendJSONString(b, r.HostName)
	b = append(b, `,"moduleVersion":`...)
	b = appendJSONString(b, r.ModuleVersion)
	b = append(b, `,"nginxVersion":`...)
	b = appendJSONString(b, r.NginxVersion)
	b = append(b, `,"njetVersion":`...)
	b = appendJSONString(b, r.NjetVersion)
	b = appendField(b, "loadMsec", r.LoadMsec)
	b = appendField(b, "nowMsec", r.NowMsec)
	c := &r.Connections
	b = append(b, `,"connections":{"active":`...)
	b = strconv.AppendUint(b, c.Active, 10)
	b = appendUField(b, "reading", c.Reading)
	b = appendUField(b, "writing", c.Writing)
	b = appendUField(b, "waiting", c.Waiting)
	b = appendUField(b, "accepted", c.Accepted)
	b = appendUField(b, "handled", c.Handled)
	b = appendUField(b, "requests", c.Requests)
	b = append(b, `},"sharedZones":{"name":`...)
	b = appendJSONString(b, r.SharedZone.Name)
	b = appendField(b, "maxSize", r.SharedZone.MaxSize)
	b = appendField(b, "usedSize", r.SharedZone.UsedSize)
	b = appendField(b, "usedNode", r.SharedZone.UsedNode)
	b = append(b, `},"serverZones":{`...)
	b = appendServerZones(b, r.ServerZones)
	b = append(b, '}')
	if len(r.FilterZones) > 0 {
		b = append(b, `,"filterZones":{`...)
		b = appendJoined(b, len(r.FilterZones), func(b []byte, i int) []byte {
			g := &r.FilterZones[i]
			b = appendJSONString(b, g.Name)
			b = append(b, ":{"...)
			return append(appendServerZones(b, g.Zones), '}')
		})
		b = append(b, '}')
	}
	if len(r.UpstreamZones) > 0 {
		b = append(b, `,"upstreamZones":{`...)
		for i, p := range []string{"p50", "p99", "p999", "p9999", "p99999"} {
			b = append(b, '"')
			b = append(b, p...)
			b = append(b, `reqdelayMsecr":`...)
			b = strconv.AppendInt(b, r.RequestDelay[i], 10)
			b = append(b, ", "...)
		}
		b = appendJoined(b, len(r.UpstreamZones), func(b []byte, i int) []byte {
			return appendUpstreamGroup(b, &r.UpstreamZones[i])
		})
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendJoined appends n items, written by f, separated by commas.
func appendJoined(b []byte, n int, f func(b []byte, i int) []byte) []byte {
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = f(b, i)
	}
	return b
}

func appendServerZones(b []byte, zs []ServerZone) []byte {
	return appendJoined(b, len(zs), func(b []byte, i int) []byte { return appendServerZone(b, &zs[i]) })
}

// appendUpstreamGroup writes "name":[peer,...].
func appendUpstreamGroup(b []byte, g *UpstreamGroup) []byte {
	b = appendJSONString(b, g.Name)
	b = append(b, ":["...)
	b = appendJoined(b, len(g.Peers), func(b []byte, i int) []byte { return appendUpstreamPeer(b, &g.Peers[i]) })
	return append(b, ']')
}

var (
	statusNames = [5]string{"1xx", "2xx", "3xx", "4xx", "5xx"}
	cacheNames  = [8]string{"miss", "bypass", "expired", "stale", "updating", "revalidated", "hit", "scarce"}
)

func appendServerZone(b []byte, z *ServerZone) []byte {
	s := &z.Stats
	b = appendJSONString(b, z.Name)
	b = append(b, `:{"requestCounter":`...)
	b = strconv.AppendUint(b, s.RequestCounter, 10)
	b = appendUField(b, "inBytes", s.InBytes)
	b = appendUField(b, "outBytes", s.OutBytes)
	b = append(b, `,"responses":{`...)
	b = appendStatuses(b, &s.Responses)
	for i, n := range cacheNames {
		b = append(b, ',')
		b = appendKey(b, n)
		b = strconv.AppendUint(b, s.Cache[i], 10)
	}
	b = append(b, '}')
	b = appendUField(b, "requestMsecCounter", s.RequestMsecCounter)
	b = appendField(b, "requestMsec", s.RequestMsec)
	b = appendTimes(b, "requestMsecs", s.RequestMsecs)
	b = appendBuckets(b, "requestBuckets", &s.RequestBuckets)
	b = append(b, `,"overCounts":{"maxIntegerSize":`+maxIntegerSize+`,"requestCounter":0,"inBytes":0,"outBytes":0`...)
	for _, n := range statusNames {
		b = appendField(b, n, 0)
	}
	for _, n := range cacheNames {
		b = appendField(b, n, 0)
	}
	return append(b, `,"requestMsecCounter":0}}`...)
}

func appendUpstreamPeer(b []byte, p *UpstreamPeer) []byte {
	s := &p.Stats
	b = append(b, `{"server":`...)
	b = appendJSONString(b, p.Server)
	b = appendUField(b, "requestCounter", s.RequestCounter)
	b = appendUField(b, "inBytes", s.InBytes)
	b = appendUField(b, "outBytes", s.OutBytes)
	b = append(b, `,"responses":{`...)
	b = appendStatuses(b, &s.Responses)
	b = appendUField(b, "timeout", s.Timeouts)
	b = append(b, '}')
	b = appendUField(b, "requestMsecCounter", s.RequestMsecCounter)
	b = appendField(b, "requestMsec", s.RequestMsec)
	b = appendTimes(b, "requestMsecs", s.RequestMsecs)
	b = appendBuckets(b, "requestBuckets", &s.RequestBuckets)
	b = appendUField(b, "responseMsecCounter", s.ResponseMsecCounter)
	b = appendField(b, "responseMsec", s.ResponseMsec)
	b = appendTimes(b, "responseMsecs", s.ResponseMsecs)
	b = appendBuckets(b, "responseBuckets", &s.ResponseBuckets)
	b = appendField(b, "weight", int64(p.Weight))
	b = appendField(b, "maxFails", int64(p.MaxFails))
	b = appendField(b, "failTimeout", p.FailTimeout)
	b = append(b, `,"backup":`...)
	b = strconv.AppendBool(b, p.Backup)
	b = append(b, `,"down":`...)
	b = strconv.AppendBool(b, p.Down)
	b = append(b, `,"overCounts":{"maxIntegerSize":`+maxIntegerSize+`,"requestCounter":0,"inBytes":0,"outBytes":0`...)
	for _, n := range statusNames {
		b = appendField(b, n, 0)
	}
	return append(b, `,"requestMsecCounter":0,"responseMsecCounter":0}}`...)
}

func appendTimes(b []byte, name string, samples []Sample) []byte {
	b = append(b, ',')
	b = appendKey(b, name)
	b = append(b, `{"times":[`...)
	b = appendJoined(b, len(samples), func(b []byte, i int) []byte { return strconv.AppendInt(b, samples[i].Time, 10) })
	b = append(b, `],"msecs":[`...)
	b = appendJoined(b, len(samples), func(b []byte, i int) []byte { return strconv.AppendInt(b, samples[i].Msec, 10) })
	return append(b, "]}"...)
}

func appendBuckets(b []byte, name string, h *Histogram) []byte {
	b = append(b, ',')
	b = appendKey(b, name)
	b = append(b, `{"msecs":[`...)
	b = appendJoined(b, len(h.Msecs), func(b []byte, i int) []byte { return strconv.AppendInt(b, h.Msecs[i], 10) })
	b = append(b, `],"counters":[`...)
	b = appendJoined(b, len(h.Counters), func(b []byte, i int) []byte { return strconv.AppendUint(b, h.Counters[i], 10) })
	return append(b, "]}"...)
}

// appendStatuses writes "1xx":n,...,"5xx":n.
func appendStatuses(b []byte, r *[5]uint64) []byte {
	return appendJoined(b, len(statusNames), func(b []byte, i int) []byte {
		return strconv.AppendUint(appendKey(b, statusNames[i]), r[i], 10)
	})
}

func appendKey(b []byte, name string) []byte {
	b = append(b, '"')
	b = append(b, name...)
	return append(b, `":`...)
}

func appendField(b []byte, name string, v int64) []byte {
	b = append(b, ',')
	b = appendKey(b, name)
	return strconv.AppendInt(b, v, 10)
}

func appendUField(b []byte, name string, v uint64) []byte {
	b = append(b, ',')
	b = appendKey(b, name)
	return strconv.AppendUint(b, v, 10)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, other characters as they are (invalid
// UTF-8 becomes U+FFFD).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
