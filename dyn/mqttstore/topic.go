package mqttstore

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/eclipse/paho.golang/paho"
)

// User property names carried by every value the store publishes.
const (
	propVersion = "gonjet-version" // the writer's version of the entry (decimal)
	propWriter  = "gonjet-writer"  // the writing store's random id
	propBatch   = "gonjet-batch"   // "seq/n": the writer's batch number and size
	propEmpty   = "gonjet-empty"   // "1": the value is empty (the payload is a placeholder)
	propSync    = "gonjet-sync"    // on a resync marker: the token of the sync it ends
)

// maxTopic is MQTT's limit on a topic name's length in bytes.
const maxTopic = 65535

// escapeKey turns a key into topic levels. MQTT topic names may not hold
// the wildcards '+' and '#', NUL or invalid UTF-8, and should not hold
// control characters; those bytes (and '%', the escape itself) become
// %XX so that every key has exactly one topic and back.
func escapeKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); {
		r, size := utf8.DecodeRuneInString(key[i:])
		switch {
		case r == utf8.RuneError && size <= 1,
			r == '%' || r == '+' || r == '#',
			r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			for j := 0; j < size; j++ {
				fmt.Fprintf(&b, "%%%02X", key[i+j])
			}
		default:
			b.WriteString(key[i : i+size])
		}
		i += size
	}
	return b.String()
}

var errBadEscape = errors.New("bad escape")

// unescapeKey reverses escapeKey.
func unescapeKey(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", errBadEscape
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", errBadEscape
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), nil
}

// message is a value as the store reads it from a PUBLISH.
type message struct {
	value   []byte // nil: deleted (an empty retained message)
	version uint64 // the writer's version; 0 from writers that are not a store
	writer  string
	batch   uint64
	n       int
}

// same reports whether two messages are one write (the resync diff keeps
// entries whose write did not change).
func (m message) same(o message) bool {
	return m.writer == o.writer && m.batch == o.batch && m.version == o.version &&
		string(m.value) == string(o.value) && (m.value == nil) == (o.value == nil)
}

func decodeMessage(p *paho.Publish) message {
	var m message
	var props paho.UserProperties
	if p.Properties != nil {
		props = p.Properties.User
	}
	if len(p.Payload) > 0 {
		m.value = append([]byte{}, p.Payload...)
		if props.Get(propEmpty) == "1" {
			m.value = []byte{}
		}
	}
	m.version, _ = strconv.ParseUint(props.Get(propVersion), 10, 64)
	m.writer = props.Get(propWriter)
	if seq, n, ok := strings.Cut(props.Get(propBatch), "/"); ok {
		m.batch, _ = strconv.ParseUint(seq, 10, 64)
		m.n, _ = strconv.Atoi(n)
	}
	return m
}

// encodePublish builds the retained PUBLISH of one op of a batch.
func encodePublish(topic string, value []byte, version uint64, writer string, seq uint64, n int) *paho.Publish {
	props := paho.UserProperties{
		{Key: propVersion, Value: strconv.FormatUint(version, 10)},
		{Key: propWriter, Value: writer},
		{Key: propBatch, Value: strconv.FormatUint(seq, 10) + "/" + strconv.Itoa(n)},
	}
	payload := value
	if value != nil && len(value) == 0 {
		// An empty retained payload deletes; an empty value is sent as a
		// placeholder byte flagged empty.
		payload = []byte{0}
		props = append(props, paho.UserProperty{Key: propEmpty, Value: "1"})
	}
	if value == nil {
		payload = nil
	}
	return &paho.Publish{
		QoS:        1,
		Retain:     true,
		Topic:      topic,
		Payload:    payload,
		Properties: &paho.PublishProperties{User: props},
	}
}
