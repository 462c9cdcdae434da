// Package authbasic asks for a user name and password with HTTP Basic
// authentication and checks them against an htpasswd file: nginx's
// auth_basic and auth_basic_user_file directives.
//
//	location /private/ {
//	    auth_basic           "closed site";
//	    auth_basic_user_file conf/htpasswd;
//	}
//
// A request without credentials, with an unknown user or a wrong
// password gets 401 Unauthorized and "WWW-Authenticate: Basic
// realm="closed site""; a missing file gives 403, an unreadable one 500.
// The realm "off" switches the check off (in a nested location, say).
// Both directives take variables; a relative file name is taken from the
// configuration directory. The file is read at every request, as nginx
// does, so changes apply at once.
//
// The file holds "user:hash" lines ('#' starts a comment line). The hash
// formats are nginx's own ("$apr1$" Apache MD5, "{PLAIN}", "{SHA}",
// "{SSHA}") and those of the C library's crypt(3) on Linux: "$1$"
// MD5-crypt, "$5$"/"$6$" SHA-crypt, traditional DES, bigcrypt and BSDi
// DES; see Crypt. bcrypt and yescrypt hashes are not supported.
//
// From Go:
//
//	f := &authbasic.Filter{
//	    Realm:    gateway.StaticTemplate("closed site"),
//	    UserFile: gateway.StaticTemplate("/etc/njet/htpasswd"),
//	}
//	loc.Use(gateway.PhaseAccess, f)
//
// With "satisfy any", access is granted when either this check or
// another one (allow/deny) passes.
package authbasic
