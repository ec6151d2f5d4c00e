#ifndef CSESSIONSUPPORT_H
#define CSESSIONSUPPORT_H

/// Atomically exchanges the directory entries `a` and `b` (Linux renameat2 with RENAME_EXCHANGE).
/// Returns 0 on success, otherwise -1 with errno set (EINVAL or ENOSYS where unsupported; always
/// ENOSYS on systems without renameat2).
int session_rename_exchange(const char *a, const char *b);

#endif
