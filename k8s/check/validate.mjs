// Validates rendered Kubernetes manifests (multi-document YAML files given as arguments) against the Kubernetes 1.x
// schemas of kubernetes-models and the KEDA CRD schemas of @kubernetes-models/keda. Both ignore unknown fields, so the
// KEDA trigger's metadata keys are also checked against the scaler's documented set. Prints one line per object and
// a last line "k8s-check: N objects valid, N invalid"; exits 1 when any is invalid.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// keda.sh/docs/2.x/scalers/redis-streams: every metadata key the scaler reads (auth keys included).
const redisStreamsKeys = new Set([
  "address", "addressFromEnv", "host", "hostFromEnv", "port", "portFromEnv", "usernameFromEnv", "passwordFromEnv",
  "stream", "consumerGroup", "pendingEntriesCount", "streamLength", "lagCount", "activationLagCount",
  "enableTLS", "unsafeSsl", "databaseIndex",
]);

function modulePath(apiVersion) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "") return `kubernetes-models/${version}`;
  if (group === "keda.sh" || group === "eventing.keda.sh") return `@kubernetes-models/keda/${group}/${version}`;
  return `kubernetes-models/${group}/${version}`;
}

/** Problems the schemas cannot see: unknown or contradictory KEDA trigger metadata. */
function kedaProblems(obj) {
  const problems = [];
  for (const [i, trigger] of (obj.spec?.triggers ?? []).entries()) {
    if (trigger.type !== "redis-streams") continue;
    const meta = trigger.metadata ?? {};
    for (const key of Object.keys(meta)) {
      if (!redisStreamsKeys.has(key)) problems.push(`triggers/${i}/metadata/${key} is not a redis-streams scaler key`);
    }
    if (!meta.stream) problems.push(`triggers/${i}/metadata/stream is required`);
    if (!meta.address && !meta.addressFromEnv && !meta.host && !meta.hostFromEnv) {
      problems.push(`triggers/${i}/metadata needs address or host`);
    }
    // The scaler picks its metric by consumerGroup: with one it scales on pendingEntriesCount (or lagCount) and
    // ignores streamLength, so a trigger with both does not do what it says.
    if (meta.consumerGroup && meta.streamLength) {
      problems.push(`triggers/${i}/metadata has consumerGroup and streamLength: with a consumerGroup KEDA scales on pendingEntriesCount and ignores streamLength`);
    }
    if (!meta.consumerGroup && (meta.pendingEntriesCount || meta.lagCount)) {
      problems.push(`triggers/${i}/metadata pendingEntriesCount/lagCount need a consumerGroup`);
    }
    if (meta.lagCount && !meta.activationLagCount) problems.push(`triggers/${i}/metadata lagCount needs activationLagCount`);
  }
  return problems;
}

let valid = 0;
let invalid = 0;
for (const file of process.argv.slice(2)) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      console.log(`INVALID ${file}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      invalid++;
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    const what = `${file}: ${obj.apiVersion}/${obj.kind} ${obj.metadata?.name}`;
    const problems = [];
    try {
      const mod = await import(modulePath(obj.apiVersion));
      const Model = mod[obj.kind];
      if (!Model) throw new Error(`no schema for kind ${obj.kind} in ${obj.apiVersion}`);
      new Model(obj).validate();
    } catch (e) {
      problems.push(e.message);
    }
    if (obj.apiVersion?.startsWith("keda.sh/")) problems.push(...kedaProblems(obj));
    if (problems.length === 0) {
      console.log(`ok      ${what}`);
      valid++;
    } else {
      console.log(`INVALID ${what}: ${problems.join("; ")}`);
      invalid++;
    }
  }
}

console.log(`k8s-check: ${valid} objects valid, ${invalid} invalid`);
process.exit(invalid > 0 || valid === 0 ? 1 : 0);
