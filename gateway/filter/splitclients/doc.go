// Package splitclients defines variables that divide clients into groups
// for A/B testing, as nginx's split_clients directive:
//
//	split_clients "${remote_addr}AAA" $variant {
//	    0.5%  .one;
//	    2.0%  .two;
//	    *     "";
//	}
//
// The key is hashed with MurmurHash2, exactly as nginx does, so a client
// lands in the same group as it would behind nginx; the shares cut the
// 32-bit hash space in order.
//
// In Go:
//
//	s, err := splitclients.New(key, []splitclients.Part{{Percent: 5000, Value: "a"}, {Value: "b"}}) // 50% each
//	if err != nil { ... }
//	vars.Define(s.Var("variant"))
package splitclients
