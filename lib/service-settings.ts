import type { Node } from 'constructs';
import { SETTINGS, parseSetting, type SettingDefinition, type SettingValue } from './definitions';

/** The deploy-time switches every function receives as environment variables. */
export interface ServiceSettings {
  readonly keyRetentionSeconds: number;
  readonly allowClientKeys: boolean;
  readonly idempotencyLocalCache: boolean;
}

/**
 * Reads `-c keyRetentionSeconds=3600`, `-c allowClientKeys=true` and
 * `-c idempotencyLocalCache=true`. The CLI passes context values as strings,
 * cdk.json and tests as JSON values: both are accepted. A bad value fails the
 * synth rather than every function's init, by the rule of SETTINGS in
 * lib/definitions.ts that functions/shared/config.ts applies at run time.
 */
export function readServiceSettings(node: Node): ServiceSettings {
  return {
    keyRetentionSeconds: fromContext(node, 'keyRetentionSeconds'),
    allowClientKeys: fromContext(node, 'allowClientKeys'),
    idempotencyLocalCache: fromContext(node, 'idempotencyLocalCache'),
  };
}

function fromContext<K extends keyof ServiceSettings>(node: Node, name: K): SettingValue<(typeof SETTINGS)[K]> {
  const definition: SettingDefinition = SETTINGS[name];
  const parsed = parseSetting(definition, node.tryGetContext(name));
  if ('problem' in parsed) throw new Error(`Context ${name} ${parsed.problem}`);
  return parsed.value as SettingValue<(typeof SETTINGS)[K]>;
}
