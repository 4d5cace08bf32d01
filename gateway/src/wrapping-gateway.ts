import type {
  GatewayExecutor,
  GatewayInterface,
  GatewayLoadResult,
  GatewaySchemaLoadOrUpdateCallback,
  GatewayUnsubscriber,
} from "@apollo/server-gateway-interface";

/**
 * A gateway in front of another: schema loads and stopping pass through, and every execution goes
 * through `wrap`. The authorization and the access log are each one of these.
 */
export abstract class WrappingGateway implements GatewayInterface {
  constructor(protected readonly inner: GatewayInterface) {}

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback): GatewayUnsubscriber {
    return this.inner.onSchemaLoadOrUpdate(callback);
  }

  async load(options: Parameters<GatewayInterface["load"]>[0]): Promise<GatewayLoadResult> {
    const { executor } = await this.inner.load(options);
    return { executor: executor ? this.wrap(executor) : null };
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  protected abstract wrap(executor: GatewayExecutor): GatewayExecutor;
}
