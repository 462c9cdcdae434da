// Package upstreamapi is the upstream member API of the control plane
// (OpenNJet's upstream_api, an NGINX Plus API clone, §6.8): it lists the
// http upstream groups that have a zone with their peers' state and
// counters, and adds, changes and removes their servers at run time.
//
//	GET    /api/v1/upstream_api/http/upstreams/                 status of every group
//	GET    /api/v1/upstream_api/http/upstreams/{name}/          status of one group
//	DELETE /api/v1/upstream_api/http/upstreams/{name}/          reset its counters (204)
//	GET    /api/v1/upstream_api/http/upstreams/{name}/servers/  its servers
//	POST   /api/v1/upstream_api/http/upstreams/{name}/servers/  add one (201)
//	GET|PATCH|DELETE .../servers/{id}                           one server
//
// Errors are NGINX Plus error objects with OpenNJet's texts and codes
// ({"error":{"status":404,"text":"upstream not found","code":
// "UpstreamNotFound"},"request_id":"N/A","href":"..."}).
//
// Once the API changed a group, its member list is a store key
// "/dyn/upstream_api/<name>" that replaces the group's server lines on
// every rebuild (and after a restart); member IDs are given in order and
// never reused. Peer state (failures, connections, counters) is kept
// across the change for servers that stay. From Go:
//
//	s, err := upstreamapi.AddServer(ctx, rt, "backend1", upstreamapi.Patch{Server: &addr})
//	_, err = upstreamapi.PatchServer(ctx, rt, "backend1", s.ID, upstreamapi.Patch{Down: &yes})
//	u, err := upstreamapi.DeleteServer(ctx, rt, "backend1", s.ID)
//
// Not supported: stream upstreams (answered "path not found", as
// OpenNJet does when there are none), slow_start and route (stored and
// shown, not applied), drain and service (accepted, ignored), response
// counters and health-check figures (reported as zero, as OpenNJet does).
package upstreamapi
