// Package hook connects package socket with its fake kernel in
// socket/sockettest without adding a transport interface to socket's API.
package hook

// NewConn is set by package socket. It returns a *socket.Conn over t, a
// value with socket's transport methods, configured by cfg (a
// *socket.Config or nil).
var NewConn func(t any, cfg any) any
