import { FSWatcher, watch } from 'node:fs';

/**
 * Tells, without a system call per question, whether anything has happened to
 * a file since it was last checked: an inotify watch on the file's inode, so
 * an unlink or a rename over it (both change its link count), a rename of it,
 * a chmod, or a write by another process (a checkpoint) makes it no longer
 * `quiet`. What happens to the directories above it is not the file's
 * business: whoever watches those calls `markChanged`.
 *
 * Why that is as good as a stat before every use, for changes made before a
 * request arrives (the only ones a stat could catch either): the kernel
 * queues the inotify event during the unlink or rename itself, before any
 * request sent afterwards reaches the server's socket; epoll reports ready
 * descriptors in the order they became ready and libuv dispatches them in
 * that order, so the event is handled before that request is even read.
 *
 * Linux only: elsewhere file watching goes through mechanisms with their own
 * delays (FSEvents), so `start` returns undefined and the caller stats
 * instead; likewise when the watch cannot be set (the inotify watch limit).
 */
export class FileChangeWatch {
  private changed = false;
  private broken = false;

  private constructor(private readonly watcher: FSWatcher) {}

  static start(path: string): FileChangeWatch | undefined {
    if (process.platform !== 'linux') return undefined;
    let watcher: FSWatcher;
    try {
      watcher = watch(path, { persistent: false });
    } catch {
      return undefined;
    }
    const fileWatch = new FileChangeWatch(watcher);
    watcher.on('change', () => {
      fileWatch.changed = true;
    });
    // A watch that failed can no longer vouch for the file: never quiet again.
    watcher.on('error', () => {
      fileWatch.broken = true;
      watcher.close();
    });
    return fileWatch;
  }

  /** Nothing has happened to the file since it was opened or last verified. */
  get quiet(): boolean {
    return !this.changed && !this.broken;
  }

  /** The caller has just checked the file itself and found it as expected. */
  markVerified(): void {
    this.changed = false;
  }

  /** Something happened to the path that the file's own watch cannot see (a directory on it was renamed, say). */
  markChanged(): void {
    this.changed = true;
  }

  close(): void {
    this.watcher.close();
  }
}
