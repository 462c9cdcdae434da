package ssi

import (
	"strings"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// unset marks a setting a level did not give, as nginx's NGX_CONF_UNSET.
const unset = -1

// ssiConf is the module's configuration of one level.
type ssiConf struct {
	enable       int
	silentErrors int
	ignoreRecycl int
	lastModified int
	minFileChunk int64
	valueLen     int64
	// types is nil until ssi_types appears; it then starts with
	// text/html, as nginx's list does. anyType is ssi_types *.
	types   []string
	anyType bool
}

func newConf() any {
	return &ssiConf{
		enable: unset, silentErrors: unset, ignoreRecycl: unset, lastModified: unset,
		minFileChunk: unset, valueLen: unset,
	}
}

// mod is the module's registration, the key to its configuration.
var mod *conf.Module

const everyLevel = conf.HTTP | conf.Server | conf.Location

func init() {
	mod = conf.Register(&conf.Module{
		Name:    "ssi",
		NewConf: newConf,
		Merge:   merge,
		Apply:   apply,
		Directives: []conf.Directive{
			{Name: "ssi", Context: everyLevel | conf.LocationIf, Args: conf.Flag, Set: flagSetter(func(c *ssiConf) *int { return &c.enable })},
			{Name: "ssi_silent_errors", Context: everyLevel, Args: conf.Flag, Set: flagSetter(func(c *ssiConf) *int { return &c.silentErrors })},
			{Name: "ssi_ignore_recycled_buffers", Context: everyLevel, Args: conf.Flag, Set: flagSetter(func(c *ssiConf) *int { return &c.ignoreRecycl })},
			{Name: "ssi_min_file_chunk", Context: everyLevel, Args: conf.Take1, Set: sizeSetter(func(c *ssiConf) *int64 { return &c.minFileChunk })},
			{Name: "ssi_value_length", Context: everyLevel, Args: conf.Take1, Set: sizeSetter(func(c *ssiConf) *int64 { return &c.valueLen })},
			{Name: "ssi_types", Context: everyLevel, Args: conf.OneOrMore, Set: setTypes},
			{Name: "ssi_last_modified", Context: everyLevel, Args: conf.Flag, Set: flagSetter(func(c *ssiConf) *int { return &c.lastModified })},
		},
	})
}

func merge(parent, child any) error {
	p, c := parent.(*ssiConf), child.(*ssiConf)
	mergeInt(&c.enable, p.enable, 0)
	mergeInt(&c.silentErrors, p.silentErrors, 0)
	mergeInt(&c.ignoreRecycl, p.ignoreRecycl, 0)
	mergeInt(&c.lastModified, p.lastModified, 0)
	mergeInt64(&c.minFileChunk, p.minFileChunk, 1024)
	// nginx's documentation says 256, its code merges 255
	mergeInt64(&c.valueLen, p.valueLen, 255)
	if c.types == nil && !c.anyType {
		c.types, c.anyType = p.types, p.anyType
	}
	return nil
}

func mergeInt(v *int, parent, def int) {
	if *v == unset {
		*v = parent
		if *v == unset {
			*v = def
		}
	}
}

func mergeInt64(v *int64, parent, def int64) {
	if *v == unset {
		*v = parent
		if *v == unset {
			*v = def
		}
	}
}

func apply(_ *conf.Builder, loc *gateway.Location, v any) error {
	c := v.(*ssiConf)
	if c.enable != 1 {
		return nil
	}
	f, err := New(Config{
		Types:        c.types,
		AnyType:      c.anyType,
		SilentErrors: c.silentErrors == 1,
		ValueLength:  int(c.valueLen),
		LastModified: c.lastModified == 1,
	})
	if err != nil {
		return err
	}
	f.Install(loc)
	return nil
}

// flagSetter is nginx's ngx_conf_set_flag_slot.
func flagSetter(field func(*ssiConf) *int) func(*conf.Block, *conf.Node) error {
	return func(bl *conf.Block, n *conf.Node) error {
		p := field(bl.Conf(mod).(*ssiConf))
		if *p != unset {
			return conf.Duplicate(n)
		}
		on, err := conf.Flag(n)
		if err != nil {
			return err
		}
		*p = 0
		if on {
			*p = 1
		}
		return nil
	}
}

// sizeSetter is nginx's ngx_conf_set_size_slot.
func sizeSetter(field func(*ssiConf) *int64) func(*conf.Block, *conf.Node) error {
	return func(bl *conf.Block, n *conf.Node) error {
		p := field(bl.Conf(mod).(*ssiConf))
		if *p != unset {
			return conf.Duplicate(n)
		}
		v, err := conf.ParseSize(n.Args[0])
		if err != nil {
			return conf.InvalidValue(n)
		}
		*p = v
		return nil
	}
}

// setTypes is nginx's ngx_http_types_slot: the list starts with
// text/html, grows with each ssi_types of the level, and "*" makes it
// "any type" for good.
func setTypes(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*ssiConf)
	if c.anyType {
		return nil
	}
	if c.types == nil {
		c.types = []string{"text/html"}
	}
next:
	for _, a := range n.Args {
		if a == "*" {
			c.types, c.anyType = nil, true
			return nil
		}
		t := strings.ToLower(a)
		for _, have := range c.types {
			if have == t {
				bl.B.Warnf(n, "duplicate MIME type \"%s\"", t)
				continue next
			}
		}
		c.types = append(c.types, t)
	}
	return nil
}
