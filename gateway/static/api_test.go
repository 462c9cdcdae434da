package static_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
	"github.com/gonjet/gonjet/gateway/static"
)

// goServer builds a one-server configuration by hand: the server level
// serves root, with error_page 404 /404.html.
func goServer(t *testing.T, root string, locs ...*gateway.Location) *gateway.Gateway {
	t.Helper()
	srv := &gateway.Server{
		Listens: []gateway.Listen{{Addr: gatewaytest.DefaultListen}},
		Names:   []string{"localhost"},
		Root:    gateway.NewLocation(gateway.MatchServer, ""),
	}
	srv.Root.Core.ErrorPages = []gateway.ErrorPage{{Codes: []int{404}, URI: gateway.StaticTemplate("/404.html")}}
	static.Install(srv.Root, &static.Config{Root: gateway.StaticTemplate(root)})
	for _, l := range locs {
		l.Core.ErrorPages = srv.Root.Core.ErrorPages
		srv.Root.Add(l)
	}
	return gatewaytest.Serve(t, &gateway.Config{Servers: []*gateway.Server{srv}})
}

func TestInstallFromGoServesFilesAndIndex(t *testing.T) {
	root := tree(t, map[string]string{"d/start.htm": "start", "f.txt": "file"})
	loc := gateway.NewLocation(gateway.MatchPrefix, "/d/")
	static.Install(loc, &static.Config{
		Root:  gateway.StaticTemplate(root + "/"),
		Index: []*gateway.Template{gateway.StaticTemplate("start.htm")},
	})
	require.NotNil(t, loc.Content)
	require.Equal(t, root, loc.Core.Root.Raw(), "the root loses its trailing slash")
	g := goServer(t, root, loc)

	r := gatewaytest.Get(t, g, "/d/")
	require.Equal(t, 200, r.Status)
	require.Equal(t, "start", string(r.Body))
	r = gatewaytest.Get(t, g, "/f.txt")
	require.Equal(t, 200, r.Status)
	require.Equal(t, "file", string(r.Body))
}

func TestInstallKeepsAnotherContentHandler(t *testing.T) {
	loc := gateway.NewLocation(gateway.MatchPrefix, "/")
	own := gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result { return gateway.Status(204) })
	loc.Content = own
	static.Install(loc, &static.Config{})
	require.NotNil(t, loc.Content)
	require.NotNil(t, static.ConfigOf(loc))
	g := goServer(t, t.TempDir(), loc)
	require.Equal(t, 204, gatewaytest.Get(t, g, "/x").Status)
}

func TestErrorPageFromFileKeepsErrorStatus(t *testing.T) {
	root := tree(t, map[string]string{"404.html": "not here"})
	g := goServer(t, root)
	etag := gatewaytest.Get(t, g, "/404.html").Header.Get("ETag")
	for _, hdr := range [][]string{
		nil,
		{"If-None-Match", etag},
		{"Range", "bytes=0-2"},
	} {
		r := do(g, "GET", "/missing", hdr...)
		require.Equal(t, 404, r.Status, hdr)
		require.Equal(t, "not here", string(r.Body), hdr)
		require.False(t, r.Header.Has("Last-Modified"), "only 200, 206 and 304 carry Last-Modified")
		require.False(t, r.Header.Has("Accept-Ranges"))
	}
}

func TestContentTypeUsesTheURIExtension(t *testing.T) {
	loc := gateway.NewLocation(gateway.MatchPrefix, "/")
	for _, tc := range []struct{ uri, want string }{
		{"/a.html", "text/html"},
		{"/a.PNG", "image/png"},
		{"/dir.html/file", "text/plain"},
		{"/.htaccess", "text/plain"},
		{"/a.unknown", "text/plain"},
	} {
		require.Equal(t, tc.want, static.ContentType(loc, tc.uri), tc.uri)
	}
}
