// Package splitclients2 is OpenNJet's dynamic traffic split
// (/api/v1/config/http_split_clients_2): it changes the shares of a
// split_clients_2 block at run time, for canary and blue-green shifts.
//
//	split_clients_2 $backend { 10% backend1; * backend2; }
//	location / { proxy_pass http://$backend; }
//
//	GET /api/v1/config/http_split_clients_2
//	{"http":{"split_clients_2":{"backend1":10,"backend2":90}}}
//
//	PUT /api/v1/config/http_split_clients_2
//	{"http":{"split_clients_2":{"backend1":50,"backend2":50}}}
//	→ {"code":0,"msg":"success."}
//
// Both values must be given as non-negative whole numbers adding up to
// 100; the refusals are OpenNJet v3.3.0's ({"code":500,"msg":"total
// percentage should be 100"}, {"code":3,"msg":"backend2 not in post json
// data"}, ...). The share is stored under /dyn/http_split_clients_2/<var>
// and written into the block, so it survives restarts. The
// split_clients_2 directive itself lives in gateway/filter/splitclients.
//
//	import _ "github.com/gonjet/gonjet/dyn/splitclients2"
package splitclients2
