/**
 * The campaign result an HTML campaign report renders: what `simrun fuzz` writes as JSON with
 * `format: 'simrun.campaign/1'`. One definition, owned by the fuzzer.
 */
export { CAMPAIGN_FORMAT as CAMPAIGN_RESULT_FORMAT, type CampaignFailure, type CampaignResult } from '../scenario/fuzz.js';
export type { PlanSize as CampaignPlanSize } from '../scenario/shrink.js';
