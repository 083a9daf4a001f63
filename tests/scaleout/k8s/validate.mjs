// validate.mjs - check Kubernetes manifests: the API schema (kubernetes-models,
// whose classes validate against the OpenAPI schema) and Pod Security
// "restricted" (the checks below are written from the Pod Security
// Standards page, kubernetes.io/docs/concepts/security/pod-security-standards,
// Baseline and Restricted, policy version "latest").
// usage: node validate.mjs FILE.yaml; prints "ok"/"not ok" lines, exit 1 on any.
import fs from "node:fs";
import yaml from "js-yaml";
import { Job } from "kubernetes-models/batch/v1";
import { Pod } from "kubernetes-models/v1";

const file = process.argv[2];
const docs = yaml.loadAll(fs.readFileSync(file, "utf8"));
let failures = 0;
const say = (good, what) => {
  console.log(`${good ? "ok" : "not ok"}: ${what}`);
  if (!good) failures++;
};

const baselineCaps = new Set(["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER",
  "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP",
  "SETUID", "SYS_CHROOT"]);
const safeSysctls = new Set(["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"]);
const restrictedVolumes = new Set(["configMap", "csi", "downwardAPI", "emptyDir",
  "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
const seLinuxTypes = new Set(["", "container_t", "container_init_t",
  "container_kvm_t", "container_engine_t"]);

// The restricted profile's checks for one pod spec; returns the violations.
function restricted(spec, meta) {
  const v = [];
  const psc = spec.securityContext ?? {};
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? []),
    ...(spec.ephemeralContainers ?? [])];
  const annotations = meta?.annotations ?? {};
  // Baseline: host namespaces, HostProcess, host ports, hostPath.
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) v.push("host namespaces");
  if (psc.windowsOptions?.hostProcess) v.push("HostProcess pod");
  for (const vol of spec.volumes ?? []) {
    const kinds = Object.keys(vol).filter((k) => k !== "name");
    if (kinds.includes("hostPath")) v.push(`hostPath volume ${vol.name}`);
    // Restricted: volume types.
    for (const k of kinds)
      if (!restrictedVolumes.has(k)) v.push(`volume ${vol.name} of type ${k}`);
  }
  // Baseline: sysctls.
  for (const s of psc.sysctls ?? [])
    if (!safeSysctls.has(s.name)) v.push(`unsafe sysctl ${s.name}`);
  // Baseline: AppArmor (fields and the older annotations).
  const aaOk = (p) => p === undefined || ["RuntimeDefault", "Localhost"].includes(p.type);
  if (!aaOk(psc.appArmorProfile)) v.push("pod AppArmor profile");
  for (const [k, val] of Object.entries(annotations))
    if (k.startsWith("container.apparmor.security.beta.kubernetes.io/") &&
        !(val === "runtime/default" || val.startsWith("localhost/")))
      v.push(`AppArmor annotation ${k}`);
  // Baseline: SELinux.
  const seOk = (o) => o === undefined ||
    (seLinuxTypes.has(o.type ?? "") && o.user === undefined && o.role === undefined);
  if (!seOk(psc.seLinuxOptions)) v.push("pod SELinux options");
  // Restricted: seccomp RuntimeDefault or Localhost, never Unconfined.
  const scOk = (p) => p !== undefined && ["RuntimeDefault", "Localhost"].includes(p.type);
  if (psc.seccompProfile?.type === "Unconfined") v.push("pod seccomp Unconfined");
  // Restricted: non-root.
  if (psc.runAsUser === 0) v.push("pod runAsUser 0");
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const n = c.name;
    if (sc.privileged) v.push(`${n}: privileged`);
    if (sc.windowsOptions?.hostProcess) v.push(`${n}: HostProcess`);
    for (const p of c.ports ?? [])
      if (p.hostPort) v.push(`${n}: host port ${p.hostPort}`);
    if (!aaOk(sc.appArmorProfile)) v.push(`${n}: AppArmor profile`);
    if (!seOk(sc.seLinuxOptions)) v.push(`${n}: SELinux options`);
    if (sc.procMount !== undefined && sc.procMount !== "Default")
      v.push(`${n}: procMount ${sc.procMount}`);
    const add = sc.capabilities?.add ?? [];
    for (const cap of add)
      if (!baselineCaps.has(cap)) v.push(`${n}: adds ${cap} (baseline)`);
    // Restricted: capabilities drop ALL, add at most NET_BIND_SERVICE.
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) v.push(`${n}: does not drop ALL`);
    for (const cap of add)
      if (cap !== "NET_BIND_SERVICE") v.push(`${n}: adds ${cap}`);
    // Restricted: no privilege escalation.
    if (sc.allowPrivilegeEscalation !== false)
      v.push(`${n}: allowPrivilegeEscalation not false`);
    // Restricted: runAsNonRoot true here or on the pod, never false.
    if (sc.runAsNonRoot === false || (sc.runAsNonRoot !== true && psc.runAsNonRoot !== true))
      v.push(`${n}: not runAsNonRoot`);
    if (sc.runAsUser === 0) v.push(`${n}: runAsUser 0`);
    // Restricted: seccomp set on the container or inherited from the pod.
    if (sc.seccompProfile?.type === "Unconfined" ||
        (!scOk(sc.seccompProfile) && !scOk(psc.seccompProfile)))
      v.push(`${n}: seccomp not RuntimeDefault or Localhost`);
  }
  return v;
}

for (const doc of docs) {
  if (doc === null) continue;
  const what = `${doc.kind} ${doc.metadata?.name}`;
  let model, pod;
  try {
    if (doc.apiVersion === "batch/v1" && doc.kind === "Job") {
      model = new Job(doc);
      pod = doc.spec?.template;
    } else if (doc.apiVersion === "v1" && doc.kind === "Pod") {
      model = new Pod(doc);
      pod = doc;
    } else {
      say(false, `${what}: no model for ${doc.apiVersion} ${doc.kind}`);
      continue;
    }
    model.validate();
    say(true, `${what}: valid against the Kubernetes API schema`);
  } catch (e) {
    say(false, `${what}: schema: ${e.message}`);
    continue;
  }
  const v = restricted(pod.spec ?? {}, pod.metadata);
  say(v.length === 0, `${what}: Pod Security restricted${v.length ? ": " + v.join("; ") : ""}`);
}
process.exit(failures ? 1 : 0);
