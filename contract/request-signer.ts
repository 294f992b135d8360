/**
 * How a caller proves who it is to the API: a signer computes the headers to add to a
 * request as it will be sent. The agent and the user CLI both call through one; which
 * signer depends on where the API runs — a bearer token for the local API, SigV4
 * (sigv4-signer.ts) for API Gateway with IAM authorisation.
 */

export interface OutgoingRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type RequestSigner = (req: OutgoingRequest) => Promise<Readonly<Record<string, string>>>;

