package dyn_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/dyn"
)

// stores runs f against a fresh store of every kind.
func stores(t *testing.T, f func(t *testing.T, s dyn.Store)) {
	t.Run("memory", func(t *testing.T) {
		s := dyn.OpenMemory()
		defer s.Close()
		f(t, s)
	})
	t.Run("bolt", func(t *testing.T) {
		s, err := dyn.OpenBolt(filepath.Join(t.TempDir(), "dyn.db"))
		require.NoError(t, err)
		defer s.Close()
		f(t, s)
	})
}

func TestStoreListIsSortedAndFilteredByPrefix(t *testing.T) {
	stores(t, func(t *testing.T, s dyn.Store) {
		ctx := context.Background()
		_, err := s.Apply(ctx, dyn.Op{Key: "/dyn/b/2", Value: []byte("b2")}, dyn.Op{Key: "/dyn/a/1", Value: []byte("a1")},
			dyn.Op{Key: "/dyn/b/1", Value: []byte("b1")})
		require.NoError(t, err)
		list, err := s.List(ctx, "/dyn/b/")
		require.NoError(t, err)
		require.Len(t, list, 2)
		require.Equal(t, "/dyn/b/1", list[0].Key)
		require.Equal(t, "b2", string(list[1].Value))
		e, ok, err := s.Get(ctx, "/dyn/a/1")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "a1", string(e.Value))
		_, ok, err = s.Get(ctx, "/dyn/none")
		require.NoError(t, err)
		require.False(t, ok)
	})
}

func TestStoreBatchWithFailedConditionWritesNothing(t *testing.T) {
	stores(t, func(t *testing.T, s dyn.Store) {
		ctx := context.Background()
		v1, err := s.Apply(ctx, dyn.Op{Key: "/dyn/x/a", Value: []byte("1")})
		require.NoError(t, err)
		cases := []struct {
			name string
			ops  []dyn.Op
		}{
			{"wrong version", []dyn.Op{{Key: "/dyn/x/b", Value: []byte("2")}, {Key: "/dyn/x/a", Value: []byte("3"), IfVersion: v1 + 7}}},
			{"must not exist", []dyn.Op{{Key: "/dyn/x/b", Value: []byte("2")}, {Key: "/dyn/x/a", Value: []byte("3"), IfVersion: dyn.MustNotExist}}},
			{"version of a missing key", []dyn.Op{{Key: "/dyn/x/b", Value: []byte("2")}, {Key: "/dyn/x/c", IfVersion: 1}}},
		}
		for _, c := range cases {
			_, err := s.Apply(ctx, c.ops...)
			require.ErrorIs(t, err, dyn.ErrConflict, c.name)
			_, ok, _ := s.Get(ctx, "/dyn/x/b")
			require.False(t, ok, c.name)
			e, _, _ := s.Get(ctx, "/dyn/x/a")
			require.Equal(t, "1", string(e.Value), c.name)
			require.Equal(t, v1, e.Version, c.name)
		}
		v2, err := s.Apply(ctx, dyn.Op{Key: "/dyn/x/a", Value: []byte("4"), IfVersion: v1}, dyn.Op{Key: "/dyn/x/b", Value: []byte("5"), IfVersion: dyn.MustNotExist})
		require.NoError(t, err)
		require.Greater(t, v2, v1)
		_, err = s.Apply(ctx, dyn.Op{Key: "/dyn/x/a", IfVersion: v2})
		require.NoError(t, err)
		_, ok, _ := s.Get(ctx, "/dyn/x/a")
		require.False(t, ok)
	})
}

func TestStoreWatchDeliversLaterChangesUnderItsPrefixInOrder(t *testing.T) {
	stores(t, func(t *testing.T, s dyn.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		_, err := s.Apply(ctx, dyn.Op{Key: "/dyn/w/before", Value: []byte("x")})
		require.NoError(t, err)
		ch, err := s.Watch(ctx, "/dyn/w/")
		require.NoError(t, err)
		for i := range 50 {
			_, err := s.Apply(ctx, dyn.Op{Key: fmt.Sprintf("/dyn/w/%02d", i), Value: []byte{byte(i)}}, dyn.Op{Key: "/dyn/other", Value: []byte("y")})
			require.NoError(t, err)
		}
		_, err = s.Apply(ctx, dyn.Op{Key: "/dyn/w/00"})
		require.NoError(t, err)
		var last uint64
		for i := range 50 {
			ev := <-ch
			require.Equal(t, fmt.Sprintf("/dyn/w/%02d", i), ev.Key)
			require.Greater(t, ev.Version, last)
			last = ev.Version
		}
		ev := <-ch
		require.True(t, ev.Deleted)
		require.Equal(t, "/dyn/w/00", ev.Key)
		cancel()
		for range ch {
		}
	})
}

func TestBoltStoreKeepsDataAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dyn.db")
	s, err := dyn.OpenBolt(path)
	require.NoError(t, err)
	v, err := s.Apply(context.Background(), dyn.Op{Key: "/dyn/k/a", Value: []byte("kept")})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	s, err = dyn.OpenBolt(path)
	require.NoError(t, err)
	defer s.Close()
	e, ok, err := s.Get(context.Background(), "/dyn/k/a")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "kept", string(e.Value))
	require.Equal(t, v, e.Version)
	v2, err := s.Apply(context.Background(), dyn.Op{Key: "/dyn/k/b", Value: []byte("x")})
	require.NoError(t, err)
	require.Greater(t, v2, v, "versions keep growing after a reopen")
}

// TestBoltStoreSurvivesSIGKILL writes from a child process that is killed
// with SIGKILL right after Apply returned: the write must be there.
func TestBoltStoreSurvivesSIGKILL(t *testing.T) {
	if path := os.Getenv("GONJET_DYN_BOLT_CHILD"); path != "" {
		s, err := dyn.OpenBolt(path)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		for i := range 20 {
			if _, err := s.Apply(context.Background(), dyn.Op{Key: fmt.Sprintf("/dyn/k/%02d", i), Value: []byte("v")}); err != nil {
				fmt.Println("error", err)
				os.Exit(1)
			}
		}
		fmt.Println("written")
		select {} // wait for the kill
	}
	path := filepath.Join(t.TempDir(), "dyn.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestBoltStoreSurvivesSIGKILL$")
	cmd.Env = append(os.Environ(), "GONJET_DYN_BOLT_CHILD="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "written\n", line)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	cmd.Wait()
	s, err := dyn.OpenBolt(path)
	require.NoError(t, err)
	defer s.Close()
	list, err := s.List(context.Background(), "/dyn/k/")
	require.NoError(t, err)
	require.Len(t, list, 20)
}
