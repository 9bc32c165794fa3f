/** Resolves when `promise` settles or `deadlineMs` passes, whichever is first; never rejects. */
export function withDeadline(promise: Promise<unknown>, deadlineMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, deadlineMs));
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}
