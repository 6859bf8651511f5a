// Package lifecycle holds a mailing's life as the dispatcher, the pages and
// the stats all read it: the values of the status fields of mailings, runs
// and deliveries, and the one rule of whether a mailing may send. It
// imports nothing, so that every package may use it.
package lifecycle

// A mailing's status, set by the dispatcher only: created until its first
// window opens, running, then completed once every window has ended and
// every run is done.
const (
	MailingCreated   = "created"
	MailingRunning   = "running"
	MailingCompleted = "completed"
)

// MailingStatuses are a mailing's statuses, in their order.
var MailingStatuses = []string{MailingCreated, MailingRunning, MailingCompleted}

// A run's status: sending, done, paused (it sends nothing until resumed:
// by its mailing's resume when its mailing was stopped, its owner blocked,
// or its messages refused; by its owner's own resume when they paused it,
// runs.paused_by_owner), waiting (its owner's daily limit is reached; it
// goes on by itself at the owner's next midnight, or as soon as the limit
// is raised), or cancelled by its owner (what was pending is logged
// failed; it never sends again).
const (
	RunSending   = "sending"
	RunDone      = "done"
	RunPaused    = "paused"
	RunWaiting   = "waiting"
	RunCancelled = "cancelled"
)

// RunOver is the SQL condition that a run (read as r) is over for good:
// done or cancelled, nothing of it pending.
const RunOver = "r.status IN ('" + RunDone + "', '" + RunCancelled + "')"

// CancelledReply is the response logged for each delivery still pending
// when its run was cancelled.
const CancelledReply = "cancelled by its owner"

// A delivery's status: pending until its outcome is recorded.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// A mailing's approval (DESIGN.md "Trust and limits"): none ("", approval
// off or the owner trusted), pending until a moderator decides, then
// approved or rejected. Pending and rejected mailings send nothing.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
)

// A run's kind: scheduled (an occurrence of a window), retry (a finished
// run sent again to its failed deliveries: runs.retry_of names it) or
// welcome. A run without a kind (made before kinds) is scheduled.
const (
	RunScheduled = "scheduled"
	RunRetry     = "retry"
	RunWelcome   = "welcome"
)

// MaySend is the SQL condition that a mailing may send (DESIGN.md "How a
// mailing runs"): it is not stopped, not completed, not waiting for nor
// refused a moderator's approval, and its owner is not blocked. It reads the mailing as m and its owner's users row as u.
// Neither a new occurrence is claimed nor a run sends while it is false.
// (A completed mailing has no run left to send: the dispatcher completes
// a mailing once all its runs are done.)
const MaySend = "m.status != '" + MailingCompleted + "' AND " + MayRetry

// MayRetry is the SQL condition that a finished run of a mailing may be
// sent again to its failed deliveries (POST /api/postrider/runs/{id}/retry):
// MaySend but for completed. A mailing is completed as soon as its last
// window's run is done (a one-off mailing right after its run), and its
// owner still wants to reach those that run failed to. It reads the
// mailing as m and its owner's users row as u.
const MayRetry = "m.stopped = FALSE AND u.blocked = FALSE" +
	" AND m.approval NOT IN ('" + ApprovalPending + "', '" + ApprovalRejected + "')"

// RunMaySend is the SQL condition that a run r may send now: its mailing
// may send (MaySend), or the run is a retry and its mailing may be
// retried (MayRetry). It reads the run as r, its mailing as m and its
// owner's users row as u.
const RunMaySend = MayRetry + " AND (m.status != '" + MailingCompleted + "' OR r.kind = '" + RunRetry + "')"
