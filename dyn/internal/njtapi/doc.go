// Package njtapi holds what GoNJet's OpenNJet-compatible dynamic API
// modules (dyn/dynloc, dyn/dynsrv, dyn/httplog, dyn/bwlist, ...) share:
//
//   - Parse reads a request body the way OpenNJet's generated JSON
//     parsers do (jsmn tokens, a Schema per module), so a bad body is
//     refused with the very message and position OpenNJet gives
//     ("pos: 25, Array 'listens' too small. Length: 0. Minimum length: 1.");
//     Decode is the plain ordered reader of the instruction APIs.
//   - Result builds the rpc-result envelope, data first, with OpenNJet's
//     config paths and its success/partial/failure codes.
//   - FindServer, ChildLocation and Walk address servers and locations
//     as OpenNJet does (first listen + first name; locations by name
//     inside their parent), and WriteServers lists them for GET.
//   - LocationKey and Cleanup name per-location state in the store and
//     remove it with its location or server.
//   - Commit writes a PUT's changes through the runtime, object by
//     object when the whole batch does not build.
//
// A module's GET reads the node tree being served (dyn.Runtime.Tree); its
// PUT checks the request against that tree, stores what applies, and lets
// the runtime rebuild; its Edit writes the stored state into the tree.
//
//	res := njtapi.NewResult()
//	req, err := njtapi.Parse(schema, body)
//	if err != nil {
//		res.Fail(dyn.CodeInvalidJSON, err.Error())
//	}
package njtapi
