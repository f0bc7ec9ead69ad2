import type { Node } from 'constructs';
import { SETTINGS, parseSetting, type SettingDefinition, type SettingValue } from './definitions';

/** The deploy-time switches every function receives as environment variables. */
export interface ServiceSettings {
  readonly keyRetentionSeconds: number;
  readonly allowClientKeys: boolean;
  readonly idempotencyLocalCache: boolean;
  /** Origins whose pages may call the API from a browser (lib/cors-origins.ts); empty: no CORS at all. */
  readonly corsOrigins: readonly string[];
  /** Accounts one caller may open through POST /accounts. */
  readonly accountLimit: number;
}

/**
 * Reads `-c keyRetentionSeconds=3600`, `-c allowClientKeys=true`,
 * `-c idempotencyLocalCache=true` and
 * `-c corsOrigins=https://app.example.com,https://admin.example.com` and `-c accountLimit=10`. The CLI passes context values as strings,
 * cdk.json and tests as JSON values: both are accepted. A bad value fails the
 * synth rather than every function's init, by the rule of SETTINGS in
 * lib/definitions.ts that functions/shared/config.ts applies at run time.
 */
export function readServiceSettings(node: Node): ServiceSettings {
  return {
    keyRetentionSeconds: fromContext(node, 'keyRetentionSeconds'),
    allowClientKeys: fromContext(node, 'allowClientKeys'),
    idempotencyLocalCache: fromContext(node, 'idempotencyLocalCache'),
    corsOrigins: fromContext(node, 'corsOrigins'),
    accountLimit: fromContext(node, 'accountLimit'),
  };
}

function fromContext<K extends keyof ServiceSettings>(node: Node, name: K): SettingValue<(typeof SETTINGS)[K]> {
  const definition: SettingDefinition = SETTINGS[name];
  const parsed = parseSetting(definition, node.tryGetContext(name));
  if ('problem' in parsed) throw new Error(`Context ${name} ${parsed.problem}`);
  return parsed.value as SettingValue<(typeof SETTINGS)[K]>;
}
