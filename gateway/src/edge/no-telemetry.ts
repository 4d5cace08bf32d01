/**
 * @apollo/gateway's constructor starts a "data collection" exporter unless
 * APOLLO_TELEMETRY_DISABLED is "1" or "true": it probes the cloud metadata endpoints (AWS, GCP,
 * Azure, Alibaba) at once and sends host metrics to usage-reporting.api.apollographql.com every
 * hour and on shutdown. Set here, in code, right before the gateway is constructed, so that no
 * deployment depends on an operator remembering the variable, and any other value is overridden.
 */
export function disableGatewayTelemetry(): void {
  // biome-ignore lint/style/noProcessEnv: @apollo/gateway reads this variable and nothing else
  process.env.APOLLO_TELEMETRY_DISABLED = "true";
}
