package conf

import (
	"strings"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// coreConf is the core module's configuration of one level: the values
// that end in gateway.CoreConf, those that end in Settings, and which of
// them the level set itself (nginx's NGX_CONF_UNSET).
type coreConf struct {
	core gateway.CoreConf
	ext  Settings
	http HTTPMain
	srv  gateway.Server // MergeSlashes, UnderscoresInHeaders, IgnoreInvalidHeaders

	satisfy          string
	keepaliveDisable uint8
	bodyTemp         tempPath
	limitRate        sizeValue
	limitRateAfter   sizeValue
	symlinks         symlinks
	aio              aioValue

	set []bool
}

// coreMergers holds one merge step per core field: a child that did not
// set the field takes its parent's value, or nginx's default.
var coreMergers []func(parent, child *coreConf)

// field declares a core field with its default and returns its index in
// coreConf.set.
func field[T any](ptr func(*coreConf) *T, def T) int {
	i := len(coreMergers)
	coreMergers = append(coreMergers, func(p, c *coreConf) {
		if c.set[i] {
			return
		}
		if p.set[i] {
			*ptr(c) = *ptr(p)
		} else {
			*ptr(c) = def
		}
		c.set[i] = true
	})
	return i
}

// slot declares a directive that sets one core field once per level
// (nginx's ngx_conf_set_*_slot): a second occurrence is
// `"name" directive is duplicate`.
func slot[T any](name string, ctx Context, args Args, ptr func(*coreConf) *T, def T, parse func(*Block, *Node) (T, error)) Directive {
	i := field(ptr, def)
	return Directive{Name: name, Context: ctx, Args: args, Set: func(bl *Block, n *Node) error {
		c := coreOf(bl)
		if c.set[i] {
			return Duplicate(n)
		}
		v, err := parse(bl, n)
		if err != nil {
			return err
		}
		*ptr(c), c.set[i] = v, true
		return nil
	}}
}

func coreOf(bl *Block) *coreConf { return bl.Conf(coreModule).(*coreConf) }

// The value parsers of the slots, with the messages of nginx's slot
// setters.

func parseFlag(_ *Block, n *Node) (bool, error) { return Flag(n) }

func parseStr(_ *Block, n *Node) (string, error) { return n.Args[0], nil }

func parseNum(_ *Block, n *Node) (int, error) {
	v, err := ParseNumber(n.Args[0])
	if err != nil {
		return 0, DirectiveError(n, "invalid number")
	}
	return v, nil
}

func parseSize(_ *Block, n *Node) (int64, error) { return parseWith(n, ParseSize) }

func parseOff(_ *Block, n *Node) (int64, error) { return parseWith(n, ParseOffset) }

func parseWith[T any](n *Node, f func(string) (T, error)) (T, error) {
	v, err := f(n.Args[0])
	if err != nil {
		return v, InvalidValue(n)
	}
	return v, nil
}

func parseMsec(_ *Block, n *Node) (d time.Duration, err error) { return parseWith(n, ParseDuration) }

func parseSec(_ *Block, n *Node) (d time.Duration, err error) { return parseWith(n, ParseSeconds) }

// parseEnum accepts one of values (case-insensitive), nginx's enum slot.
func parseEnum(values ...string) func(*Block, *Node) (string, error) {
	return func(_ *Block, n *Node) (string, error) {
		for _, v := range values {
			if strings.EqualFold(v, n.Args[0]) {
				return v, nil
			}
		}
		return "", Errorf(n, "invalid value \"%s\"", n.Args[0])
	}
}

// parseBufs reads "number size" (ngx_conf_set_bufs_slot).
func parseBufs(_ *Block, n *Node) (Bufs, error) {
	num, err := ParseNumber(n.Args[0])
	if err != nil || num == 0 {
		return Bufs{}, InvalidValue(n)
	}
	size, err := ParseSize(n.Args[1])
	if err != nil || size == 0 {
		return Bufs{}, InvalidValue(n)
	}
	return Bufs{Num: num, Size: size}, nil
}

// minPoolSize is nginx's NGX_MIN_POOL_SIZE on 64-bit systems.
const minPoolSize = 112

// parsePoolSize is a size with nginx's pool size checks.
func parsePoolSize(_ *Block, n *Node) (int64, error) {
	v, err := parseSize(nil, n)
	if err != nil {
		return 0, err
	}
	if v < minPoolSize {
		return 0, Errorf(n, "the pool size must be no less than %d", minPoolSize)
	}
	if v%16 != 0 {
		return 0, Errorf(n, "the pool size must be a multiple of %d", 16)
	}
	return v, nil
}
