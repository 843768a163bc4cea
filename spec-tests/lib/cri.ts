// A kubelet stand-in: the CRI RuntimeService calls kubelet makes for a pod, over gRPC on
// containerd's socket, with the message subset in cri/runtime-v1.proto.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { join } from 'node:path';

const definition = protoLoader.loadSync(join(import.meta.dirname, 'cri', 'runtime-v1.proto'), {
  // int64 nanoseconds and byte counts fit a double well enough for the checks made here
  longs: Number,
  enums: String,
  defaults: true,
});
const RuntimeService = (grpc.loadPackageDefinition(definition).runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export interface NamespaceOption {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
}
export interface SecurityProfile {
  profileType: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
}
export interface LinuxContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
  memorySwapLimitInBytes?: number;
}
export interface PodSandboxConfig {
  metadata: { name: string; uid: string; namespace: string; attempt?: number };
  logDirectory?: string;
  linux?: {
    cgroupParent?: string;
    securityContext?: { namespaceOptions?: NamespaceOption; seccomp?: SecurityProfile };
  };
}
export interface ContainerConfig {
  metadata: { name: string; attempt?: number };
  image: { image: string };
  command?: string[];
  args?: string[];
  logPath?: string;
  linux?: {
    resources?: LinuxContainerResources;
    securityContext?: { namespaceOptions?: NamespaceOption; seccomp?: SecurityProfile; noNewPrivs?: boolean };
  };
}
export interface ContainerStatus {
  id: string;
  state: 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
}
export interface ContainerStats {
  attributes: { id: string };
  cpu: { timestamp: number; usageCoreNanoSeconds: { value: number } | null };
  memory: { timestamp: number; workingSetBytes: { value: number } | null; usageBytes: { value: number } | null };
}

type Unary = (request: object, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, response: unknown) => void) => void;

export class CriClient {
  private readonly client: grpc.Client;

  constructor(socket: string) {
    const Client = RuntimeService.RuntimeService as grpc.ServiceClientConstructor;
    this.client = new Client(`unix://${socket}`, grpc.credentials.createInsecure());
  }

  /** One unary call; a CRI error becomes an exception naming the call. */
  private call<T>(method: string, request: object, timeoutMs = 60_000): Promise<T> {
    const fn = (this.client as unknown as Record<string, Unary>)[method].bind(this.client);
    return new Promise((resolve, reject) => {
      fn(request, { deadline: Date.now() + timeoutMs }, (err, response) => {
        if (err) reject(new Error(`CRI ${method}: ${err.details || err.message}`));
        else resolve(response as T);
      });
    });
  }

  version(): Promise<{ version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }> {
    return this.call('Version', { version: 'v1' });
  }

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler: string): Promise<string> {
    return (await this.call<{ podSandboxId: string }>('RunPodSandbox', { config, runtimeHandler }, 120_000)).podSandboxId;
  }

  async podSandboxStatus(podSandboxId: string): Promise<{ id: string; state: string; runtimeHandler: string }> {
    return (await this.call<{ status: { id: string; state: string; runtimeHandler: string } }>('PodSandboxStatus', { podSandboxId })).status;
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    await this.call('StopPodSandbox', { podSandboxId });
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    await this.call('RemovePodSandbox', { podSandboxId });
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    return (await this.call<{ containerId: string }>('CreateContainer', { podSandboxId, config, sandboxConfig })).containerId;
  }

  async startContainer(containerId: string): Promise<void> {
    await this.call('StartContainer', { containerId });
  }

  /** timeout: seconds of grace between the stop signal and SIGKILL */
  async stopContainer(containerId: string, timeout: number): Promise<void> {
    await this.call('StopContainer', { containerId, timeout }, (timeout + 60) * 1000);
  }

  async removeContainer(containerId: string): Promise<void> {
    await this.call('RemoveContainer', { containerId });
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    return (await this.call<{ status: ContainerStatus }>('ContainerStatus', { containerId })).status;
  }

  async containerStats(containerId: string): Promise<ContainerStats> {
    return (await this.call<{ stats: ContainerStats }>('ContainerStats', { containerId })).stats;
  }

  async updateContainerResources(containerId: string, linux: LinuxContainerResources): Promise<void> {
    await this.call('UpdateContainerResources', { containerId, linux });
  }

  /** As kubelet's exec probes: the command's output and exit code, whatever the code. */
  async execSync(containerId: string, cmd: string[], timeout = 30): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const r = await this.call<{ stdout: Buffer; stderr: Buffer; exitCode: number }>('ExecSync', { containerId, cmd, timeout }, (timeout + 30) * 1000);
    return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exitCode };
  }

  close(): void {
    this.client.close();
  }
}
