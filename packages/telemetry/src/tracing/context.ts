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

  /**
   * Listeners of `emitter` run in `context`, whatever context emits (socket reads do not carry the request's). Called
   * twice per request: the emitter keeps its context in a property and gets one shared emit, so binding allocates
   * nothing; an event without listeners, or emitted in that context already, costs no context switch.
   */
  bindEmitter(context: Context, emitter: EventEmitter): void {
    const target = emitter as BoundEmitter;
    target[kBoundContext] = context;
    if (target.emit === this.#boundEmit) return;
    target[kUnboundEmit] = target.emit;
    target.emit = this.#boundEmit;
  }

  readonly #boundEmit = this.#createBoundEmit();

  #createBoundEmit(): EventEmitter['emit'] {
    const storage = this.#storage;
    return function boundEmit(this: BoundEmitter, event: string | symbol) {
      const bound = this[kBoundContext];
      // An event nobody listens to, or one emitted in the bound context already, needs no context switch. (`_events`
      // is EventEmitter's listener table: a property lookup, where listenerCount() walks more.)
      const listeners = this._events;
      if ((listeners !== undefined && listeners[event] === undefined) || storage.getStore() === bound) {
        // biome-ignore lint/complexity/noArguments: forwards the event and all of its arguments without copying them
        return Reflect.apply(this[kUnboundEmit], this, arguments);
      }
      // biome-ignore lint/complexity/noArguments: same
      return storage.run(bound, applyEmit, this, arguments);
    };
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.#storage.disable();
    return this;
  }
}

const kBoundContext = Symbol('lab.telemetry.boundContext');
const kUnboundEmit = Symbol('lab.telemetry.unboundEmit');
type BoundEmitter = EventEmitter & {
  [kBoundContext]: Context;
  [kUnboundEmit]: EventEmitter['emit'];
  _events: Record<string | symbol, unknown> | undefined;
};

function applyEmit(emitter: BoundEmitter, args: IArguments): boolean {
  return Reflect.apply(emitter[kUnboundEmit], emitter, args);
}

function isEmitter(value: unknown): value is EventEmitter {
  return typeof (value as EventEmitter | null)?.emit === 'function' && typeof (value as EventEmitter).on === 'function';
}
