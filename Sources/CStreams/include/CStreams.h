#ifndef CSTREAMS_H
#define CSTREAMS_H

/// Flushes C's stdout and reports whether everything printed reached it: 0 if so, otherwise the
/// errno of the failed flush (EPIPE for a closed pipe, ENOSPC for a full disk), or -1 if an
/// earlier write failed and the flush itself did not. A helper in C because Swift 6 refuses to
/// touch the global `stdout`.
int dynamics_flush_stdout(void);

#endif
