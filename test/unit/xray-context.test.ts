import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNamespace } from '../../functions/shared/xray-context';

/**
 * functions/shared/xray-context.ts takes cls-hooked's place in the bundles
 * (lib/service-function.ts). Here it is checked on its own, and with the
 * X-Ray SDK running on it in Lambda mode, as it runs in the bundles.
 */

// Every require of cls-hooked's context in this file, the X-Ray SDK's included, gets the module under test.
jest.mock('cls-hooked/context', () => jest.requireActual('../../functions/shared/xray-context'));

type XRay = typeof import('aws-xray-sdk-core');

describe('Module: xray-context', () => {
  describe('Class: Namespace', () => {
    it('keeps the context entered outside any run for every later callback and promise', async () => {
      // Prepare
      const namespace = createNamespace('entered');
      namespace.enter(namespace.createContext());

      // Act
      namespace.set('segment', 'facade');
      const later = await new Promise((resolve) => setImmediate(() => resolve(namespace.get('segment'))));
      await sleep(1);
      namespace.set('segment', 'route');

      // Assess
      expect(later).toBe('facade');
      expect(await Promise.resolve().then(() => namespace.get('segment'))).toBe('route');
    });

    it('gives run() a child context that reads its parent, follows its awaits and timers, and leaves the parent as it was', async () => {
      // Prepare
      const namespace = createNamespace('run');
      namespace.enter(namespace.createContext());
      namespace.set('segment', 'parent');
      namespace.set('service', 'transfers');

      // Act
      const seen = await namespace.runAndReturn(async () => {
        namespace.set('segment', 'child');
        await sleep(1);
        const afterTimer = await new Promise((resolve) => setTimeout(() => resolve(namespace.get('segment')), 1));
        return { afterAwait: namespace.get('segment'), afterTimer, inherited: namespace.get('service') };
      });

      // Assess
      expect(seen).toEqual({ afterAwait: 'child', afterTimer: 'child', inherited: 'transfers' });
      expect(namespace.get('segment')).toBe('parent');
    });

    it('runs a bound function in the context it was bound in, wherever it is called from', () => {
      // Prepare
      const namespace = createNamespace('bind');
      namespace.enter(namespace.createContext());
      namespace.set('segment', 'outside');
      const bound = namespace.runAndReturn(() => {
        namespace.set('segment', 'inside');
        return namespace.bind(() => namespace.get('segment'));
      });

      // Act
      const seen = bound();

      // Assess
      expect(seen).toBe('inside');
      expect(namespace.get('segment')).toBe('outside');
    });

    it('refuses a value where no context was ever entered, as cls-hooked does', () => {
      // Prepare
      const namespace = createNamespace('empty');

      // Act
      const setting = () => namespace.set('segment', 'nowhere');

      // Assess
      expect(setting).toThrow(/No context available/);
      expect(namespace.get('segment')).toBeUndefined();
    });
  });

  describe('the X-Ray SDK on it, in Lambda mode', () => {
    let xray: XRay;
    let namespaceClass: typeof import('../../functions/shared/xray-context').Namespace;
    let daemon: Socket;
    const saved = { ...process.env };

    beforeAll(async () => {
      // Prepare: a sampled Lambda trace, and a "daemon" that swallows what the SDK sends.
      daemon = createSocket('udp4');
      await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
      Object.assign(process.env, {
        LAMBDA_TASK_ROOT: __dirname,
        AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(daemon.address() as AddressInfo).port}`,
        AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
        _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
      });
      jest.isolateModules(() => {
        xray = require('aws-xray-sdk-core') as XRay;
        namespaceClass = (require('cls-hooked/context') as typeof import('../../functions/shared/xray-context')).Namespace;
      });
    });

    it('runs on this module, not on cls-hooked', () => {
      // Assess
      expect(xray.getNamespace()).toBeInstanceOf(namespaceClass);
    });

    afterAll(() => {
      process.env = saved;
      daemon.close();
    });

    it('reads and writes the current segment from anywhere, as the tracer sets its ## <route> subsegment', async () => {
      // Prepare
      const facade = xray.getSegment() as InstanceType<XRay['Segment']>;
      const route = facade.addNewSubsegment('## transfer');

      // Act
      xray.setSegment(route);
      const seenLater = await new Promise((resolve) => setImmediate(() => resolve(xray.getSegment())));
      route.close();
      xray.setSegment(facade);

      // Assess
      expect(seenLater).toBe(route);
      expect(xray.getSegment()).toBe(facade);
      expect(facade.trace_id).toBe('1-5759e988-bd862e3fe1be46a994272793');
    });

    it('nests captureAsyncFunc subsegments under the one current when each started, across awaits', async () => {
      // Act
      const nesting = await new Promise<Record<string, string | undefined>>((resolve) => {
        xray.captureAsyncFunc('outer', async (outer) => {
          await sleep(1);
          const seenInOuter = (xray.getSegment() as { name?: string } | undefined)?.name;
          const inner = await new Promise<{ name?: string; parentName?: string }>((innerDone) => {
            xray.captureAsyncFunc('inner', async (subsegment) => {
              await sleep(1);
              innerDone({ name: (xray.getSegment() as { name?: string } | undefined)?.name, parentName: (subsegment?.parent as { name?: string } | undefined)?.name });
              subsegment?.close();
            });
          });
          const backInOuter = (xray.getSegment() as { name?: string } | undefined)?.name;
          outer?.close();
          resolve({ seenInOuter, inner: inner.name, innerParent: inner.parentName, backInOuter });
        });
      });

      // Assess
      expect(nesting).toEqual({ seenInOuter: 'outer', inner: 'inner', innerParent: 'outer', backInOuter: 'outer' });
      expect((xray.getSegment() as { facade?: boolean }).facade).toBe(true);
    });
  });
});
