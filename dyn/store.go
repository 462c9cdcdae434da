package dyn

import (
	"context"
	"errors"
	"math"
)

// Entry is one stored key with its value and the store version at which
// it was last written.
type Entry struct {
	Key     string
	Value   []byte
	Version uint64
}

// MustNotExist as Op.IfVersion makes the op fail unless the key is absent.
const MustNotExist uint64 = math.MaxUint64

// Op is one write of a batch: Value nil deletes Key. IfVersion 0 writes
// unconditionally; MustNotExist requires the key to be absent; any other
// value requires the stored entry to have exactly that version.
type Op struct {
	Key       string
	Value     []byte
	IfVersion uint64
}

// Event is a change seen by Watch; Deleted is set for a removal (Value is
// then nil and Version is the version of the batch that removed it).
type Event struct {
	Entry
	Deleted bool
}

// Store is versioned key/value state with watch: the single source of
// truth for everything changed at run time. Keys are paths
// ("/dyn/<module>/<object...>"), values are the module's JSON.
type Store interface {
	// Get returns the entry of key; ok is false when there is none.
	Get(ctx context.Context, key string) (e Entry, ok bool, err error)
	// List returns the entries whose key starts with prefix, sorted by key.
	List(ctx context.Context, prefix string) ([]Entry, error)
	// Apply writes ops as one all-or-nothing batch and returns the new
	// store version. When a condition (Op.IfVersion) fails nothing is
	// written and the error wraps ErrConflict.
	Apply(ctx context.Context, ops ...Op) (version uint64, err error)
	// Watch delivers the changes made after the call under prefix,
	// including those made by other nodes sharing the store. The channel
	// is closed when ctx ends or the store is closed.
	Watch(ctx context.Context, prefix string) (<-chan Event, error)
	// Close releases the store.
	Close() error
}

// ErrConflict is returned (wrapped) by Store.Apply when an Op's IfVersion
// condition does not hold.
var ErrConflict = errors.New("dyn: version conflict")

// ErrClosed is returned by a closed store.
var ErrClosed = errors.New("dyn: store closed")
