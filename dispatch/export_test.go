package dispatch

// NextDue is nextDue, for the tests of package dispatch_test: when serve's
// timer wakes a pass.
var NextDue = nextDue
