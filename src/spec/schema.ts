// JSON schema (draft-07) of config.json for the Linux platform of runtime-spec 1.3. It checks
// shapes, types and ranges only; rules that relate fields (a sysctl needing a namespace, ...) live
// in rules.ts, where the messages can say why. Unknown properties are allowed everywhere, as the
// spec requires. Compiled at build time into standalone code (src/build/validator.ts), so the
// order and wording here are what users see: "config.json /process/user/uid: must be integer".

const int32 = { type: 'integer', minimum: -2147483648, maximum: 2147483647 };
const uint16 = { type: 'integer', minimum: 0, maximum: 65535 };
const uint32 = { type: 'integer', minimum: 0, maximum: 4294967295 };
// JSON numbers beyond 2^53 are not exact in JavaScript; the bounds still reject what no 64-bit
// field could hold.
const int64 = { type: 'integer', minimum: -9223372036854775808, maximum: 9223372036854775807 };
const uint64 = { type: 'integer', minimum: 0, maximum: 18446744073709551615 };
const string = { type: 'string' };
const boolean = { type: 'boolean' };
const strings = { type: 'array', items: string };
const stringMap = { type: 'object', additionalProperties: string };

const definitions = {
  IDMapping: {
    type: 'object',
    required: ['containerID', 'hostID', 'size'],
    properties: { containerID: uint32, hostID: uint32, size: uint32 },
  },
  IDMappings: { type: 'array', items: { $ref: '#/definitions/IDMapping' } },
  Hook: {
    type: 'object',
    required: ['path'],
    properties: {
      path: string,
      args: strings,
      env: strings,
      timeout: { type: 'integer', minimum: 1, maximum: 2147483647 },
    },
  },
  Hooks: { type: 'array', items: { $ref: '#/definitions/Hook' } },
  Mount: {
    type: 'object',
    required: ['destination'],
    properties: {
      destination: string,
      source: string,
      type: string,
      options: strings,
      uidMappings: { $ref: '#/definitions/IDMappings' },
      gidMappings: { $ref: '#/definitions/IDMappings' },
    },
  },
  Capabilities: strings,
  Device: {
    type: 'object',
    required: ['type', 'path'],
    properties: {
      type: { type: 'string', enum: ['c', 'b', 'u', 'p'] },
      path: string,
      major: int64,
      minor: int64,
      fileMode: uint32,
      uid: uint32,
      gid: uint32,
    },
  },
  DeviceCgroup: {
    type: 'object',
    required: ['allow'],
    properties: {
      allow: boolean,
      type: { type: 'string', enum: ['a', 'c', 'b'] },
      major: int64,
      minor: int64,
      access: { type: 'string', pattern: '^[rwm]*$' },
    },
  },
  WeightDevice: {
    type: 'object',
    required: ['major', 'minor'],
    properties: { major: int64, minor: int64, weight: uint16, leafWeight: uint16 },
  },
  ThrottleDevice: {
    type: 'object',
    required: ['major', 'minor', 'rate'],
    properties: { major: int64, minor: int64, rate: uint64 },
  },
  ThrottleDevices: { type: 'array', items: { $ref: '#/definitions/ThrottleDevice' } },
  SeccompAction: {
    type: 'string',
    enum: [
      'SCMP_ACT_KILL',
      'SCMP_ACT_KILL_PROCESS',
      'SCMP_ACT_KILL_THREAD',
      'SCMP_ACT_TRAP',
      'SCMP_ACT_ERRNO',
      'SCMP_ACT_TRACE',
      'SCMP_ACT_ALLOW',
      'SCMP_ACT_LOG',
      'SCMP_ACT_NOTIFY',
    ],
  },
};

function ref(name: keyof typeof sections): { $ref: string } {
  return { $ref: `#/definitions/${name}` };
}

const process = {
  type: 'object',
  required: ['cwd'],
  properties: {
    terminal: boolean,
    consoleSize: {
      type: 'object',
      required: ['height', 'width'],
      properties: { height: uint16, width: uint16 },
    },
    user: {
      type: 'object',
      required: ['uid', 'gid'],
      properties: {
        uid: uint32,
        gid: uint32,
        umask: uint32,
        additionalGids: { type: 'array', items: uint32 },
        username: string,
      },
    },
    args: strings,
    commandLine: string,
    env: { type: 'array', items: { type: 'string', pattern: '^[^=]+=' } },
    cwd: string,
    capabilities: {
      type: 'object',
      properties: {
        bounding: { $ref: '#/definitions/Capabilities' },
        effective: { $ref: '#/definitions/Capabilities' },
        inheritable: { $ref: '#/definitions/Capabilities' },
        permitted: { $ref: '#/definitions/Capabilities' },
        ambient: { $ref: '#/definitions/Capabilities' },
      },
    },
    rlimits: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'soft', 'hard'],
        properties: { type: { type: 'string', pattern: '^RLIMIT_[A-Z]+$' }, soft: uint64, hard: uint64 },
      },
    },
    noNewPrivileges: boolean,
    apparmorProfile: string,
    oomScoreAdj: { type: 'integer', minimum: -1000, maximum: 1000 },
    selinuxLabel: string,
    ioPriority: ref('IOPriority'),
    scheduler: ref('Scheduler'),
    execCPUAffinity: ref('ExecCPUAffinity'),
  },
};

const resources = {
  type: 'object',
  properties: {
    devices: { type: 'array', items: { $ref: '#/definitions/DeviceCgroup' } },
    memory: ref('Memory'),
    cpu: ref('CPU'),
    pids: { type: 'object', required: ['limit'], properties: { limit: int64 } },
    blockIO: ref('BlockIO'),
    hugepageLimits: ref('HugepageLimits'),
    network: ref('Network'),
    rdma: ref('Rdma'),
    unified: stringMap,
  },
};

const linux = {
  type: 'object',
  properties: {
    namespaces: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type'],
        properties: {
          type: { type: 'string', enum: ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'] },
          path: string,
        },
      },
    },
    uidMappings: { $ref: '#/definitions/IDMappings' },
    gidMappings: { $ref: '#/definitions/IDMappings' },
    timeOffsets: ref('TimeOffsets'),
    devices: { type: 'array', items: { $ref: '#/definitions/Device' } },
    netDevices: { type: 'object', additionalProperties: { type: 'object', properties: { name: string } } },
    cgroupsPath: string,
    resources,
    rootfsPropagation: {
      type: 'string',
      enum: ['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared', 'unbindable', 'runbindable'],
    },
    seccomp: ref('Seccomp'),
    sysctl: stringMap,
    maskedPaths: strings,
    readonlyPaths: strings,
    mountLabel: string,
    intelRdt: ref('IntelRdt'),
    personality: ref('Personality'),
    memoryPolicy: ref('MemoryPolicy'),
  },
};

// Sections most configs leave out, as definitions behind a $ref: the validator is compiled with
// inlineRefs off (src/build/validator.ts), so each is a function of its own, which V8 compiles
// only in a call whose config has that section; the code cache of a plain `run` stays without them.
const sections = {
  IOPriority: {
    type: 'object',
    required: ['class'],
    properties: {
      class: { type: 'string', enum: ['IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE'] },
      priority: int32,
    },
  },
  Scheduler: {
    type: 'object',
    required: ['policy'],
    properties: {
      policy: {
        type: 'string',
        enum: ['SCHED_OTHER', 'SCHED_FIFO', 'SCHED_RR', 'SCHED_BATCH', 'SCHED_ISO', 'SCHED_IDLE', 'SCHED_DEADLINE'],
      },
      nice: { type: 'integer', minimum: -20, maximum: 19 },
      priority: int32,
      flags: {
        type: 'array',
        items: {
          type: 'string',
          enum: [
            'SCHED_FLAG_RESET_ON_FORK',
            'SCHED_FLAG_RECLAIM',
            'SCHED_FLAG_DL_OVERRUN',
            'SCHED_FLAG_KEEP_POLICY',
            'SCHED_FLAG_KEEP_PARAMS',
            'SCHED_FLAG_UTIL_CLAMP_MIN',
            'SCHED_FLAG_UTIL_CLAMP_MAX',
          ],
        },
      },
      runtime: uint64,
      deadline: uint64,
      period: uint64,
    },
  },
  ExecCPUAffinity: {
    type: 'object',
    properties: {
      initial: { type: 'string', pattern: '^[0-9, -]*$' },
      final: { type: 'string', pattern: '^[0-9, -]*$' },
    },
  },
  Memory: {
    type: 'object',
    properties: {
      limit: int64,
      reservation: int64,
      swap: int64,
      kernel: int64,
      kernelTCP: int64,
      swappiness: { type: 'integer', minimum: 0, maximum: 100 },
      disableOOMKiller: boolean,
      useHierarchy: boolean,
      checkBeforeUpdate: boolean,
    },
  },
  CPU: {
    type: 'object',
    properties: {
      shares: uint64,
      quota: int64,
      burst: uint64,
      period: uint64,
      realtimeRuntime: int64,
      realtimePeriod: uint64,
      cpus: { type: 'string', pattern: '^[0-9,\\- ]*$' },
      mems: { type: 'string', pattern: '^[0-9,\\- ]*$' },
      idle: int64,
    },
  },
  BlockIO: {
    type: 'object',
    properties: {
      weight: uint16,
      leafWeight: uint16,
      weightDevice: { type: 'array', items: { $ref: '#/definitions/WeightDevice' } },
      throttleReadBpsDevice: { $ref: '#/definitions/ThrottleDevices' },
      throttleWriteBpsDevice: { $ref: '#/definitions/ThrottleDevices' },
      throttleReadIOPSDevice: { $ref: '#/definitions/ThrottleDevices' },
      throttleWriteIOPSDevice: { $ref: '#/definitions/ThrottleDevices' },
    },
  },
  HugepageLimits: {
    type: 'array',
    items: {
      type: 'object',
      required: ['pageSize', 'limit'],
      properties: { pageSize: { type: 'string', pattern: '^[0-9]+[KMG]B$' }, limit: uint64 },
    },
  },
  Network: {
    type: 'object',
    properties: {
      classID: uint32,
      priorities: {
        type: 'array',
        items: { type: 'object', required: ['name', 'priority'], properties: { name: string, priority: uint32 } },
      },
    },
  },
  Rdma: {
    type: 'object',
    additionalProperties: { type: 'object', properties: { hcaHandles: uint32, hcaObjects: uint32 } },
  },
  TimeOffsets: {
    type: 'object',
    additionalProperties: { type: 'object', properties: { secs: int64, nanosecs: uint32 } },
  },
  Seccomp: {
    type: 'object',
    required: ['defaultAction'],
    properties: {
      defaultAction: { $ref: '#/definitions/SeccompAction' },
      defaultErrnoRet: uint32,
      architectures: { type: 'array', items: { type: 'string', pattern: '^SCMP_ARCH_[A-Z0-9_]+$' } },
      flags: {
        type: 'array',
        items: {
          type: 'string',
          enum: [
            'SECCOMP_FILTER_FLAG_TSYNC',
            'SECCOMP_FILTER_FLAG_LOG',
            'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
            'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
          ],
        },
      },
      listenerPath: string,
      listenerMetadata: string,
      syscalls: {
        type: 'array',
        items: {
          type: 'object',
          required: ['names', 'action'],
          properties: {
            names: { type: 'array', items: string, minItems: 1 },
            action: { $ref: '#/definitions/SeccompAction' },
            errnoRet: uint32,
            args: {
              type: 'array',
              items: {
                type: 'object',
                required: ['index', 'value', 'op'],
                properties: {
                  index: uint32,
                  value: uint64,
                  valueTwo: uint64,
                  op: {
                    type: 'string',
                    enum: [
                      'SCMP_CMP_NE',
                      'SCMP_CMP_LT',
                      'SCMP_CMP_LE',
                      'SCMP_CMP_EQ',
                      'SCMP_CMP_GE',
                      'SCMP_CMP_GT',
                      'SCMP_CMP_MASKED_EQ',
                    ],
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  IntelRdt: {
    type: 'object',
    properties: {
      closID: string,
      l3CacheSchema: string,
      memBwSchema: string,
      schemata: { anyOf: [string, strings] },
      enableMonitoring: boolean,
      enableCMT: boolean,
      enableMBM: boolean,
    },
  },
  Personality: {
    type: 'object',
    required: ['domain'],
    properties: { domain: { type: 'string', enum: ['LINUX', 'LINUX32'] }, flags: strings },
  },
  MemoryPolicy: {
    type: 'object',
    required: ['mode'],
    properties: {
      mode: {
        type: 'string',
        enum: [
          'MPOL_DEFAULT',
          'MPOL_BIND',
          'MPOL_INTERLEAVE',
          'MPOL_WEIGHTED_INTERLEAVE',
          'MPOL_PREFERRED',
          'MPOL_PREFERRED_MANY',
          'MPOL_LOCAL',
        ],
      },
      nodes: string,
      flags: {
        type: 'array',
        items: { type: 'string', enum: ['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'] },
      },
    },
  },
  HookSet: {
    type: 'object',
    properties: {
      prestart: { $ref: '#/definitions/Hooks' },
      createRuntime: { $ref: '#/definitions/Hooks' },
      createContainer: { $ref: '#/definitions/Hooks' },
      startContainer: { $ref: '#/definitions/Hooks' },
      poststart: { $ref: '#/definitions/Hooks' },
      poststop: { $ref: '#/definitions/Hooks' },
    },
  },
};

export const configSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://tdrun.invalid/schema/config.json',
  type: 'object',
  required: ['ociVersion'],
  definitions: { ...definitions, ...sections },
  properties: {
    ociVersion: string,
    root: {
      type: 'object',
      required: ['path'],
      properties: { path: string, readonly: boolean },
    },
    mounts: { type: 'array', items: { $ref: '#/definitions/Mount' } },
    process,
    hostname: string,
    domainname: string,
    hooks: ref('HookSet'),
    annotations: stringMap,
    linux,
  },
};
