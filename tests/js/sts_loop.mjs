// Calls STS GetCallerIdentity every SSOENV_IT_EVERY_MS for SSOENV_IT_SECONDS with the SDK's
// default credential chain (which reaches AWS_CONTAINER_CREDENTIALS_FULL_URI), then prints
// {"calls", "failures", "keys"} as one JSON line. Run by tests/it/endpoint.rs.
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";

const seconds = Number(process.env.SSOENV_IT_SECONDS);
const every = Number(process.env.SSOENV_IT_EVERY_MS);
const client = new STSClient({ credentials: fromNodeProviderChain() });
const end = Date.now() + seconds * 1000;
const result = { calls: 0, failures: [], keys: [] };
while (Date.now() < end) {
  try {
    await client.send(new GetCallerIdentityCommand({}));
    result.calls += 1;
    const { accessKeyId } = await client.config.credentials();
    if (!result.keys.includes(accessKeyId)) result.keys.push(accessKeyId);
  } catch (e) {
    result.failures.push(String(e));
  }
  await new Promise((resolve) => setTimeout(resolve, every));
}
console.log(JSON.stringify(result));
