// A ContextManager over one AsyncLocalStorage. Unlike the SDK's, it exposes enterWith(): the http server subscriber
// runs synchronously just before `server.emit('request')`, and entering the span's context there makes the handler
// and everything async after it see the span, without wrapping the handler.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';
import { type Context, type ContextManager, ROOT_CONTEXT } from '@opentelemetry/api';

export class AlsContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const callback = thisArg === undefined ? fn : fn.bind(thisArg);
    return this.#storage.run(context, callback, ...args);
  }

  /** Makes `context` the active one for the rest of the current synchronous run and what it schedules. */
  enterWith(context: Context): void {
    this.#storage.enterWith(context);
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target === 'function') {
      const manager = this;
      const bound = function (this: unknown, ...args: unknown[]) {
        return manager.with(context, () => target.apply(this, args));
      };
      return bound as T;
    }
    if (isEmitter(target)) this.bindEmitter(context, target);
    return target;
  }

  /** Listeners of `emitter` run in `context`, whatever context emits (socket reads do not carry the request's). */
  bindEmitter(context: Context, emitter: EventEmitter): void {
    const storage = this.#storage;
    // storage.run calls its callback without `this`: bind once here instead of per event.
    const bound = emitter.emit.bind(emitter);
    emitter.emit = function boundEmit(...args: Parameters<EventEmitter['emit']>) {
      return storage.run(context, bound, ...args);
    } as EventEmitter['emit'];
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.#storage.disable();
    return this;
  }
}

function isEmitter(value: unknown): value is EventEmitter {
  return typeof (value as EventEmitter | null)?.emit === 'function' && typeof (value as EventEmitter).on === 'function';
}
