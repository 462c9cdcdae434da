package dyn

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketKV   = []byte("kv")
	bucketMeta = []byte("meta")
	keyVersion = []byte("version")
)

// OpenBolt opens (creating it when missing) a store persisted in the bbolt
// file at path. Every Apply is committed and fsync'd before it returns,
// so a change that was answered survives a crash or SIGKILL. The file is
// locked: a second process opening it waits up to 5 seconds, then fails.
func OpenBolt(path string) (Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("dyn: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketKV); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(bucketMeta)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("dyn: open %s: %w", path, err)
	}
	return &boltStore{db: db, hub: newHub()}, nil
}

// boltStore keeps each entry as an 8-byte big-endian version followed by
// the value, and the store version in the meta bucket.
type boltStore struct {
	db *bolt.DB
	// mu orders publications the same way as commits: bolt serialises
	// writers, but watchers must also see batches in version order.
	mu     sync.Mutex
	hub    *hub
	closed bool
}

func decodeEntry(k, v []byte) (Entry, error) {
	if len(v) < 8 {
		return Entry{}, fmt.Errorf("dyn: corrupt entry %q", k)
	}
	return Entry{Key: string(k), Version: binary.BigEndian.Uint64(v[:8]), Value: append([]byte{}, v[8:]...)}, nil
}

func encodeEntry(ver uint64, val []byte) []byte {
	b := make([]byte, 8+len(val))
	binary.BigEndian.PutUint64(b, ver)
	copy(b[8:], val)
	return b
}

func (s *boltStore) Get(_ context.Context, key string) (e Entry, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketKV).Get([]byte(key))
		if v == nil {
			return nil
		}
		ok = true
		e, err = decodeEntry([]byte(key), v)
		return err
	})
	return e, ok, mapClosed(err)
}

func (s *boltStore) List(_ context.Context, prefix string) ([]Entry, error) {
	var out []Entry
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketKV).Cursor()
		p := []byte(prefix)
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			e, err := decodeEntry(k, v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, mapClosed(err)
}

func (s *boltStore) Apply(_ context.Context, ops ...Op) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	var ver uint64
	var events []Event
	err := s.db.Update(func(tx *bolt.Tx) error {
		kv, meta := tx.Bucket(bucketKV), tx.Bucket(bucketMeta)
		if v := meta.Get(keyVersion); len(v) == 8 {
			ver = binary.BigEndian.Uint64(v)
		}
		var derr error
		err := checkOps(ops, func(k string) (Entry, bool) {
			v := kv.Get([]byte(k))
			if v == nil {
				return Entry{}, false
			}
			e, err := decodeEntry([]byte(k), v)
			if err != nil {
				derr = err
			}
			return e, true
		})
		if err != nil {
			return err
		}
		if derr != nil {
			return derr
		}
		if len(ops) == 0 {
			return nil
		}
		ver++
		for _, op := range ops {
			k := []byte(op.Key)
			if op.Value == nil {
				if kv.Get(k) == nil {
					continue
				}
				if err := kv.Delete(k); err != nil {
					return err
				}
				events = append(events, Event{Entry: Entry{Key: op.Key, Version: ver}, Deleted: true})
				continue
			}
			if err := kv.Put(k, encodeEntry(ver, op.Value)); err != nil {
				return err
			}
			events = append(events, Event{Entry: Entry{Key: op.Key, Value: append([]byte{}, op.Value...), Version: ver}})
		}
		var vb [8]byte
		binary.BigEndian.PutUint64(vb[:], ver)
		return meta.Put(keyVersion, vb[:])
	})
	if err != nil {
		return 0, mapClosed(err)
	}
	s.hub.publish(events)
	return ver, nil
}

func (s *boltStore) Watch(ctx context.Context, prefix string) (<-chan Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	return s.hub.subscribe(ctx, prefix), nil
}

func (s *boltStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.hub.close()
	return s.db.Close()
}

func mapClosed(err error) error {
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}
