// SPDX-License-Identifier: GPL-2.0
/*
 * core/kabi/host/hostcfs.h: the file-system side of the host's in-memory configfs, for
 * tests (what a user's shell does under /sys/kernel/config).
 *
 * Paths are relative to the configfs root and use '/', e.g. "target/core/alua/lu_gps";
 * "" is the root. Symlinks are followed in the middle of a path (and at its end, except by
 * rmdir, unlink and exists/mode). Every call returns 0 or a negative errno, as the syscall
 * would fail in the kernel:
 *
 *   read       -ENOENT, -EISDIR, -EACCES (no read permission in the mode), show()'s error,
 *              -EIO if show() claims more than KABI_CFS_PAGE bytes
 *   write      -EACCES (no write permission), -EISDIR, -E2BIG (KABI_CFS_PAGE bytes or more:
 *              the kernel would pass only the first page), store()'s error, -EIO if store()
 *              consumes fewer bytes than given. An empty write calls nothing, as the kernel.
 *   mkdir      -EEXIST, -EPERM (type has no make_group; at the root), make_group's error
 *   rmdir      -EPERM (default group or subsystem), -ENOTEMPTY (user-made directories or
 *              symlinks below, default groups included), -EBUSY (a symlink points at it or
 *              into its default groups), -ENOTDIR
 *   symlink    -ENOENT (target is not a directory of ours), -EEXIST, -EPERM (no allow_link),
 *              allow_link's error
 *   unlink     -EPERM (an attribute), -EISDIR, -ENOENT
 *
 * Structural calls (mkdir, rmdir, symlink, unlink, subsystem register/destroy) are
 * serialised, as configfs does; attribute reads and writes are not. No host lock is held
 * while an ops callback runs. A directory is released (ops->release) once nothing refers to
 * it: not the tree, no symlink, no in-flight read/write, no child not yet released. So
 * children are always released before their parent, and after the parent's drop_group.
 *
 * kabi_cfs_subsystem_destroy on a tree that still has user-made directories or symlinks (the
 * kernel pins the module, so it never sees that) tears them down first: drop_link for each
 * symlink, drop_group for each user directory, deepest first; it says so on stderr.
 */
#ifndef KABI_HOST_HOSTCFS_H
#define KABI_HOST_HOSTCFS_H

#include <cstdint>
#include <string>
#include <vector>

int hostcfs_read(const std::string &path, std::string *out);
int hostcfs_write(const std::string &path, const std::string &data);
int hostcfs_mkdir(const std::string &path);
int hostcfs_rmdir(const std::string &path);
int hostcfs_symlink(const std::string &target_path, const std::string &link_path);
int hostcfs_unlink(const std::string &link_path);
// Names in a directory (attributes, directories, symlinks), sorted.
int hostcfs_list(const std::string &path, std::vector<std::string> *names);
// Permission bits: an attribute's mode, 0755 for directories, 0777 for symlinks.
int hostcfs_mode(const std::string &path, uint16_t *mode);
bool hostcfs_exists(const std::string &path);
// The path a symlink points at (relative to the root).
int hostcfs_readlink(const std::string &link_path, std::string *target_path);

// Directories (kabi_cfs_group) allocated and not yet freed, registered or not: 0 once every
// subsystem is destroyed and every pending release has run.
size_t hostcfs_live_groups();
// The n-th next directory allocation (mkdir, default group, subsystem; 1 = the next) fails
// with -ENOMEM, once.
void hostcfs_fail_nth_group_alloc(uint64_t n);

#endif // KABI_HOST_HOSTCFS_H
