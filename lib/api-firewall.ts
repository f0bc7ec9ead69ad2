import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface ApiFirewallProps {
  readonly stage: Stage;
  /** Requests one IP may send in 5 minutes before it is blocked. */
  readonly rateLimitPer5Minutes: number;
}

const managedRuleGroup = (name: string, priority: number): CfnWebACL.RuleProperty => ({
  name,
  priority,
  statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
  overrideAction: { none: {} },
  visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: name },
});

/**
 * AWS WAF in front of the stage (`-c waf=true`): AWS managed rules for
 * common exploits, known bad inputs and IPs with a bad reputation, and a
 * per-IP rate limit below the stage throttling, so one client cannot use up
 * the budget of all the others. Off by default: a web ACL and its managed
 * rule groups cost money every month whether or not traffic arrives.
 *
 * The common rule set blocks bodies over 8 KB (SizeRestrictions_BODY),
 * below the API's own 16 KiB limit; a transfer body is well under 1 KiB.
 */
export class ApiFirewall extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, { stage, rateLimitPer5Minutes }: ApiFirewallProps) {
    super(scope, id);
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: 'ExactlyOnceTransfersApi' },
      rules: [
        managedRuleGroup('AWSManagedRulesAmazonIpReputationList', 0),
        managedRuleGroup('AWSManagedRulesCommonRuleSet', 1),
        managedRuleGroup('AWSManagedRulesKnownBadInputsRuleSet', 2),
        {
          name: 'RatePerIp',
          priority: 3,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: rateLimitPer5Minutes, aggregateKeyType: 'IP' } },
          visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: 'RatePerIp' },
        },
      ],
    });
    new CfnWebACLAssociation(this, 'StageAssociation', { resourceArn: stage.stageArn, webAclArn: this.webAcl.attrArn });
  }
}
