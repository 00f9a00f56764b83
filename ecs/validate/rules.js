'use strict';
// Architecture rules: what ../../shared/DESIGN.md and ecs/contract.json say
// the deployment must be, checked on an evaluated Deployment (model.js).
// Each rule has a name (printed as [name] with every failure) and a check
// that calls ctx.fail(where, message).

const path = require('node:path');
const { Sym, SubStr, Joined } = require('./model');

// --- small helpers ---------------------------------------------------------

function sameResource(a, b) {
  return a instanceof Sym && b instanceof Sym && a.inst === b.inst && a.id === b.id;
}

function isType(v, type) {
  return v instanceof Sym && v.type === type;
}

function truthy(v) {
  return v === true || v === 'true';
}

function falsy(v) {
  return v === false || v === 'false';
}

function list(v) {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function parts(v) {
  if (v instanceof SubStr) return v.parts;
  if (v instanceof Joined) return v.items.flatMap(parts);
  return [v];
}

function text(v) {
  return v === undefined ? '(unset)' : String(v);
}

function where(inst, id, path) {
  return `${inst.label} Resources.${id}${path ? `.${path}` : ''}`;
}

function expand(template, service) {
  if (Array.isArray(template)) return template.map((t) => expand(t, service));
  return String(template).replace(/\{service\}/g, service);
}

function tagValue(props, key) {
  const tag = list(props.Tags).find((t) => t && t.Key === key);
  return tag ? tag.Value : undefined;
}

// The template node behind a property path, before evaluation: used to
// tell whether a value comes from a parameter, and that parameter's bounds.
function rawParam(inst, id, path) {
  let node = inst.resources[id].Properties;
  for (const key of path.split('.')) node = node && node[key];
  if (node && typeof node === 'object' && typeof node.Ref === 'string' && node.Ref in inst.params) {
    return { name: node.Ref, def: inst.params[node.Ref] };
  }
  return null;
}

// Fail unless the value at path is >= min, and, when it comes from a
// parameter, unless that parameter refuses values below min.
function atLeast(ctx, inst, id, path, value, min, what) {
  if (!(Number(value) >= min)) {
    ctx.fail(where(inst, id, `Properties.${path}`), `${what} is ${text(value)}; it must be at least ${min}`);
    return;
  }
  const p = rawParam(inst, id, path);
  if (p && !(Number(p.def.MinValue) >= min)) {
    ctx.fail(`${inst.label} Parameters.${p.name}`, `${what} comes from parameter ${p.name}, which allows values below ${min} (set MinValue: ${min})`);
  }
}

// --- the deployment's parts -------------------------------------------------

function all(dep, type) {
  return dep.instances.flatMap((inst) => inst.ofType(type).map(([id]) => ({ inst, id, props: inst.props(id) })));
}

// ECS services with their task definition and containers by name.
function services(dep, ctx) {
  return all(dep, 'AWS::ECS::Service').map((s) => {
    const taskSym = s.props.TaskDefinition;
    const task = isType(taskSym, 'AWS::ECS::TaskDefinition')
      ? { inst: taskSym.inst, id: taskSym.id, props: taskSym.inst.props(taskSym.id) } : null;
    const containers = {};
    for (const c of list(task && task.props.ContainerDefinitions)) containers[c.Name] = c;
    const sidecar = containers[ctx.contract.sidecar.container];
    const serviceEnv = sidecar && env(sidecar).SERVICE;
    return { ...s, task, containers, name: s.inst.service || serviceEnv };
  });
}

// Each service that has a task definition, with where its task is
// and its app (a) and sidecar (n) containers, either possibly missing.
function taskContainers(dep, ctx) {
  const { app, sidecar } = ctx.contract;
  return services(dep, ctx).filter((s) => s.task).map((s) => ({
    s,
    w: where(s.task.inst, s.task.id),
    a: s.containers[app.container],
    n: s.containers[sidecar.container],
  }));
}

function env(container) {
  const out = {};
  for (const e of list(container.Environment)) out[e.Name] = e.Value;
  return out;
}

function secrets(container) {
  const out = {};
  for (const e of list(container.Secrets)) out[e.Name] = e.ValueFrom;
  return out;
}

function targetGroupOf(service) {
  const lb = list(service.props.LoadBalancers).find((l) => l.TargetGroupArn);
  return lb ? lb.TargetGroupArn : undefined;
}

// --- subnets ----------------------------------------------------------------

function subnetRouting(subnet) {
  const { inst } = subnet;
  const tables = inst.ofType('AWS::EC2::SubnetRouteTableAssociation')
    .map(([id]) => inst.props(id))
    .filter((a) => sameResource(a.SubnetId, subnet))
    .map((a) => a.RouteTableId);
  const routes = inst.ofType('AWS::EC2::Route').map(([id]) => inst.props(id))
    .filter((r) => tables.some((t) => sameResource(r.RouteTableId, t)));
  const gatewayEndpoints = inst.ofType('AWS::EC2::VPCEndpoint').map(([id]) => inst.props(id))
    .filter((e) => e.VpcEndpointType === 'Gateway'
      && list(e.RouteTableIds).some((r) => tables.some((t) => sameResource(r, t))));
  return {
    tables,
    routes,
    internet: routes.filter((r) => isType(r.GatewayId, 'AWS::EC2::InternetGateway')),
    gatewayEndpoints,
  };
}

function tierOf(subnet) {
  if (!isType(subnet, 'AWS::EC2::Subnet')) return null;
  return tagValue(subnet.inst.props(subnet.id), 'Tier') || null;
}

function checkSubnets(ctx, subnets, tier, inst, id, path, what) {
  if (!subnets.length) {
    ctx.fail(where(inst, id, path), `${what} has no subnets`);
    return;
  }
  const zones = new Set();
  for (const s of subnets) {
    const t = tierOf(s);
    if (t !== tier) {
      ctx.fail(where(inst, id, path), `${what} uses ${text(s)}, a ${t || 'untagged'} subnet; only ${tier} subnets are allowed`);
    } else {
      zones.add(String(s.inst.props(s.id).AvailabilityZone));
    }
  }
  if (zones.size && zones.size < 2) {
    ctx.fail(where(inst, id, path), `${what} spans ${zones.size} Availability Zone; it needs at least 2`);
  }
}

// --- security groups ---------------------------------------------------------

function ingressRules(sg) {
  const rules = [];
  const props = sg.inst.props(sg.id);
  list(props.SecurityGroupIngress).forEach((r, i) => {
    rules.push({ ...r, where: where(sg.inst, sg.id, `Properties.SecurityGroupIngress[${i}]`) });
  });
  for (const inst of sg.inst.deployment.instances) {
    for (const [id] of inst.ofType('AWS::EC2::SecurityGroupIngress')) {
      const r = inst.props(id);
      if (sameResource(r.GroupId, sg)) rules.push({ ...r, where: where(inst, id) });
    }
  }
  return rules;
}

function portRange(rule) {
  const proto = String(rule.IpProtocol);
  if (proto === '-1' || proto === 'all') return [0, 65535];
  if (proto !== 'tcp' && proto !== '6') return null;
  return [Number(rule.FromPort), Number(rule.ToPort)];
}

function covers(rule, port) {
  const r = portRange(rule);
  return Boolean(r) && r[0] <= port && port <= r[1];
}

function source(rule) {
  if (rule.CidrIp !== undefined) return { cidr: rule.CidrIp };
  if (rule.CidrIpv6 !== undefined) return { cidr: rule.CidrIpv6 };
  if (rule.SourceSecurityGroupId !== undefined) return { sg: rule.SourceSecurityGroupId };
  if (rule.SourcePrefixListId !== undefined) return { prefixList: rule.SourcePrefixListId };
  return {};
}

function isWorld(rule) {
  const { cidr } = source(rule);
  return cidr === '0.0.0.0/0' || cidr === '::/0';
}

function describeSource(rule) {
  const s = source(rule);
  if (s.cidr !== undefined) return String(s.cidr);
  if (s.sg !== undefined) return `security group ${text(s.sg)}`;
  if (s.prefixList !== undefined) return `prefix list ${text(s.prefixList)}`;
  return 'an unknown source';
}

function describePorts(rule) {
  const r = portRange(rule);
  if (!r) return `protocol ${rule.IpProtocol}`;
  return r[0] === r[1] ? `port ${r[0]}` : `ports ${r[0]}-${r[1]}`;
}

function isVpcCidr(dep, value) {
  if (isType(value, 'AWS::EC2::VPC') && value.attr === 'CidrBlock') return true;
  return all(dep, 'AWS::EC2::VPC').some((v) => typeof value === 'string' && v.props.CidrBlock === value);
}

function loadBalancerGroups(dep) {
  return all(dep, 'AWS::ElasticLoadBalancingV2::LoadBalancer').flatMap((lb) => list(lb.props.SecurityGroups));
}

function taskGroups(dep, ctx) {
  const groups = services(dep, ctx).flatMap((s) => list(s.props.NetworkConfiguration
    && s.props.NetworkConfiguration.AwsvpcConfiguration
    && s.props.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups));
  // The one-off migration task is run (ecs/migrate.sh) in the group the
  // network stack outputs as MigrateTaskSecurityGroup.
  for (const inst of dep.instances) {
    const out = (inst.doc.Outputs || {}).MigrateTaskSecurityGroup;
    if (out && (!out.Condition || inst.condition(out.Condition))) groups.push(inst.eval(out.Value));
  }
  return groups;
}

function metricsPorts(contract) {
  return [contract.app.metrics_port, contract.sidecar.stub_status_port];
}

// The port of a "host:port" or "[v6]:port" address; null for a socket
// path, a unix: address or no address at all.
function tcpPort(addr) {
  if (addr === undefined || addr === null) return null;
  const m = /^(?!unix:|\/).*:(\d+)$/.exec(String(addr));
  return m ? Number(m[1]) : null;
}

function mountAt(container, containerPath) {
  return list(container.MountPoints).find((m) => m.ContainerPath === containerPath);
}

// --- ALB routing ------------------------------------------------------------

function globMatch(pattern, path) {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(path);
}

// The action that answers the request: the last one (authenticate-* may
// come before it).
function terminal(actions) {
  const items = list(actions);
  return items.length ? items[items.length - 1] : {};
}

function forwardTarget(actions) {
  const forward = terminal(actions);
  if (forward.Type !== 'forward') return undefined;
  if (forward.TargetGroupArn) return forward.TargetGroupArn;
  const groups = forward.ForwardConfig && list(forward.ForwardConfig.TargetGroups);
  return groups && groups.length === 1 ? groups[0].TargetGroupArn : undefined;
}

function pathPatterns(rule) {
  return list(rule.Conditions).filter((c) => c.Field === 'path-pattern')
    .flatMap((c) => list((c.PathPatternConfig && c.PathPatternConfig.Values) || c.Values));
}

function listeners(dep) {
  return all(dep, 'AWS::ElasticLoadBalancingV2::Listener').map((l) => {
    const rules = all(dep, 'AWS::ElasticLoadBalancingV2::ListenerRule')
      .filter((r) => sameResource(r.props.ListenerArn, new Sym('ref', l.inst, l.id)))
      .sort((a, b) => Number(a.props.Priority) - Number(b.props.Priority));
    const last = terminal(l.props.DefaultActions);
    const redirect = last.Type === 'redirect' ? last : null;
    return { ...l, rules, redirect };
  });
}

// Which service a request path reaches through a listener.
function route(listener, path, serviceOfGroup) {
  for (const r of listener.rules) {
    if (pathPatterns(r.props).some((p) => globMatch(String(p), path))) {
      return serviceOfGroup(forwardTarget(r.props.Actions));
    }
  }
  return serviceOfGroup(forwardTarget(listener.props.DefaultActions));
}

// --- alarms -------------------------------------------------------------------

function alarms(dep) {
  return all(dep, 'AWS::CloudWatch::Alarm').map((a) => {
    const dims = {};
    for (const d of list(a.props.Dimensions)) dims[d.Name] = d.Value;
    return { ...a, dims };
  });
}

function requireAlarm(ctx, found, subject, metric, extra) {
  const match = found.filter((a) => a.props.MetricName === metric && (!extra || extra.test(a)));
  if (!match.length) {
    ctx.fail(subject, `no CloudWatch alarm on ${metric}${extra ? ` (${extra.what})` : ''}`);
  }
}

// --- the rules ----------------------------------------------------------------

const RULES = [];
function rule(name, description, check) {
  RULES.push({ name, description, check });
}

rule('subnet-tiers', 'subnets are tagged Tier public/private/isolated and routed as such', (dep, ctx) => {
  for (const s of all(dep, 'AWS::EC2::Subnet')) {
    const subnet = new Sym('ref', s.inst, s.id);
    const tier = tagValue(s.props, 'Tier');
    const routing = subnetRouting(subnet);
    const w = where(s.inst, s.id);
    if (!['public', 'private', 'isolated'].includes(tier)) {
      ctx.fail(w, `subnet has no Tier tag of public, private or isolated (got ${text(tier)})`);
      continue;
    }
    if (!routing.tables.length) ctx.fail(w, `${tier} subnet has no route table association`);
    if (tier === 'public') {
      if (!routing.internet.some((r) => r.DestinationCidrBlock === '0.0.0.0/0')) {
        ctx.fail(w, 'public subnet has no 0.0.0.0/0 route to an internet gateway');
      }
      continue;
    }
    if (truthy(s.props.MapPublicIpOnLaunch)) ctx.fail(w, `${tier} subnet gives instances public IPs (MapPublicIpOnLaunch)`);
    if (routing.internet.length) ctx.fail(w, `${tier} subnet has a route to an internet gateway`);
    if (tier === 'isolated' && (routing.routes.length || routing.gatewayEndpoints.length)) {
      ctx.fail(w, 'isolated subnet has a route out of the VPC (a route or a gateway endpoint)');
    }
  }
});

rule('alb-public', 'the ALB is internet-facing in public subnets', (dep, ctx) => {
  for (const lb of all(dep, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    if (lb.props.Scheme !== 'internet-facing') {
      ctx.fail(where(lb.inst, lb.id, 'Properties.Scheme'), `load balancer scheme is ${text(lb.props.Scheme)}, not internet-facing`);
    }
    checkSubnets(ctx, list(lb.props.Subnets), 'public', lb.inst, lb.id, 'Properties.Subnets', 'load balancer');
  }
});

rule('alb-sg-ingress', 'the ALB group admits 80 and 443 from 0.0.0.0/0 and ::/0, nothing else', (dep, ctx) => {
  for (const sg of loadBalancerGroups(dep)) {
    if (!isType(sg, 'AWS::EC2::SecurityGroup')) continue;
    const rules = ingressRules(sg);
    for (const port of [80, 443]) {
      for (const cidr of ['0.0.0.0/0', '::/0']) {
        if (!rules.some((r) => String(source(r).cidr) === cidr && covers(r, port))) {
          ctx.fail(where(sg.inst, sg.id), `load balancer group does not admit port ${port} from ${cidr}`);
        }
      }
    }
    for (const r of rules) {
      const range = portRange(r);
      if (!range || !(range[0] === range[1] && [80, 443].includes(range[0]))) {
        ctx.fail(r.where, `load balancer group admits ${describePorts(r)} from ${describeSource(r)}; only 80 and 443`);
      }
    }
  }
});

rule('task-sg-ingress', 'task groups admit the sidecar port from the ALB group only, metrics from the VPC', (dep, ctx) => {
  const albGroups = loadBalancerGroups(dep);
  const listen = ctx.contract.sidecar.listen_port;
  const metrics = metricsPorts(ctx.contract);
  for (const s of services(dep, ctx)) {
    const groups = list(s.props.NetworkConfiguration && s.props.NetworkConfiguration.AwsvpcConfiguration
      && s.props.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups);
    for (const sg of groups) {
      if (!isType(sg, 'AWS::EC2::SecurityGroup')) {
        ctx.fail(where(s.inst, s.id), `service security group ${text(sg)} is not a security group of this deployment`);
        continue;
      }
      const rules = ingressRules(sg);
      if (!rules.some((r) => covers(r, listen) && albGroups.some((a) => sameResource(source(r).sg, a)))) {
        ctx.fail(where(sg.inst, sg.id), `${s.name} task group does not admit port ${listen} from the load balancer's group`);
      }
      for (const r of rules) {
        const range = portRange(r);
        const single = range && range[0] === range[1] ? range[0] : null;
        const fromAlb = albGroups.some((a) => sameResource(source(r).sg, a));
        if (single === listen && fromAlb) continue;
        if (metrics.includes(single) && isVpcCidr(dep, source(r).cidr)) continue;
        ctx.fail(r.where, `${s.name} task group admits ${describePorts(r)} from ${describeSource(r)}; only ${listen} from the load balancer's group and ${metrics.join('/')} from the VPC CIDR`);
      }
    }
  }
});

rule('db-sg-ingress', 'the database group admits 5432 from the task groups and the login-secret rotation functions only', (dep, ctx) => {
  const tasks = taskGroups(dep, ctx).concat(rotationGroups(dep));
  for (const db of all(dep, 'AWS::RDS::DBInstance')) {
    for (const sg of list(db.props.VPCSecurityGroups)) {
      if (!isType(sg, 'AWS::EC2::SecurityGroup')) {
        ctx.fail(where(db.inst, db.id, 'Properties.VPCSecurityGroups'), `${text(sg)} is not a security group of this deployment`);
        continue;
      }
      for (const r of ingressRules(sg)) {
        const range = portRange(r);
        const fromTask = tasks.some((t) => sameResource(source(r).sg, t));
        if (range && range[0] === 5432 && range[1] === 5432 && fromTask) continue;
        ctx.fail(r.where, `database group admits ${describePorts(r)} from ${describeSource(r)}; only 5432 from the task security groups and the rotation functions'`);
      }
    }
  }
});

rule('no-world-ingress', 'only the load balancer group is open to 0.0.0.0/0 or ::/0', (dep, ctx) => {
  const albGroups = loadBalancerGroups(dep);
  for (const sg of all(dep, 'AWS::EC2::SecurityGroup')) {
    const sym = new Sym('ref', sg.inst, sg.id);
    if (albGroups.some((a) => sameResource(a, sym))) continue;
    for (const r of ingressRules(sym)) {
      if (isWorld(r)) ctx.fail(r.where, `${sg.id} admits ${describePorts(r)} from ${describeSource(r)}; only the load balancer may face the internet`);
    }
  }
});

rule('metrics-from-vpc', 'metrics ports are admitted to every task from the VPC CIDR, and from nowhere else', (dep, ctx) => {
  const metrics = metricsPorts(ctx.contract);
  for (const s of services(dep, ctx)) {
    const groups = list(s.props.NetworkConfiguration && s.props.NetworkConfiguration.AwsvpcConfiguration
      && s.props.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups).filter((g) => isType(g, 'AWS::EC2::SecurityGroup'));
    if (!groups.length) continue;
    const rules = groups.flatMap(ingressRules);
    for (const port of metrics) {
      if (!rules.some((r) => covers(r, port) && isVpcCidr(dep, source(r).cidr))) {
        ctx.fail(where(groups[0].inst, groups[0].id), `${s.name} task group does not admit metrics port ${port} from the VPC CIDR; nothing could scrape it`);
      }
    }
  }
  for (const sg of all(dep, 'AWS::EC2::SecurityGroup')) {
    for (const r of ingressRules(new Sym('ref', sg.inst, sg.id))) {
      for (const port of metrics) {
        if (covers(r, port) && !isVpcCidr(dep, source(r).cidr)) {
          ctx.fail(r.where, `${sg.id} admits metrics port ${port} from ${describeSource(r)}; only from the VPC CIDR`);
        }
      }
    }
  }
});

// With FCGI_LISTEN unset the pool listens on its built-in TCP default;
// whatever TCP port the pool or the sidecar could use must not leave the
// task.
rule('fcgi-not-exposed', 'FastCGI has no TCP port: the app listens on a socket path, and no container maps or group admits a FastCGI port', (dep, ctx) => {
  const { app, sidecar } = ctx.contract;
  const ports = new Set([tcpPort(app.fcgi_default_listen)]);
  for (const { w, a, n } of taskContainers(dep, ctx)) {
    if (a) {
      const listen = env(a).FCGI_LISTEN;
      if (listen === undefined) {
        ctx.fail(w, `${app.container} sets no FCGI_LISTEN, so the pool listens on TCP ${app.fcgi_default_listen}; FastCGI must stay on a unix socket`);
      } else if (tcpPort(listen) !== null) {
        ctx.fail(w, `${app.container} FCGI_LISTEN is ${listen}, a TCP address; FastCGI must stay on a unix socket`);
        ports.add(tcpPort(listen));
      }
    }
    if (n && tcpPort(env(n).FCGI_ADDR) !== null) {
      ctx.fail(w, `${sidecar.container} FCGI_ADDR is ${env(n).FCGI_ADDR}, a TCP address; FastCGI must stay on a unix socket`);
      ports.add(tcpPort(env(n).FCGI_ADDR));
    }
  }
  for (const port of ports) {
    for (const sg of all(dep, 'AWS::EC2::SecurityGroup')) {
      for (const r of ingressRules(new Sym('ref', sg.inst, sg.id))) {
        if (covers(r, port)) ctx.fail(r.where, `${sg.id} admits the FastCGI port ${port} (${describePorts(r)} from ${describeSource(r)})`);
      }
    }
    for (const t of all(dep, 'AWS::ECS::TaskDefinition')) {
      list(t.props.ContainerDefinitions).forEach((c, i) => {
        if (list(c.PortMappings).some((p) => Number(p.ContainerPort) === port)) {
          ctx.fail(where(t.inst, t.id, `Properties.ContainerDefinitions[${i}].PortMappings`), `container ${c.Name} maps the FastCGI port ${port}`);
        }
      });
    }
  }
});

// The contract's socket must lie in its volume's folder, and the sidecar
// must dial the path the app listens on.
function checkSocketContract(ctx) {
  const { app, sidecar, fcgi_volume: volume } = ctx.contract;
  if (path.posix.dirname(app.fcgi_listen) !== volume.path) {
    ctx.fail('contract.json', `app.fcgi_listen ${app.fcgi_listen} is not in fcgi_volume.path ${volume.path}`);
  }
  if (sidecar.fcgi_addr !== `unix:${app.fcgi_listen}`) {
    ctx.fail('contract.json', `sidecar.fcgi_addr ${sidecar.fcgi_addr} is not unix:${app.fcgi_listen}`);
  }
}

rule('fcgi-socket', 'app and sidecar mount one task volume at the contract\'s folder; FCGI_LISTEN is the socket there, FCGI_ADDR unix: and that path', (dep, ctx) => {
  const { app, sidecar, fcgi_volume: volume } = ctx.contract;
  checkSocketContract(ctx);
  for (const { s, w, a, n } of taskContainers(dep, ctx)) {
    if (!a || !n) continue;
    const listen = env(a).FCGI_LISTEN;
    const addr = env(n).FCGI_ADDR;
    if (String(listen) !== app.fcgi_listen) ctx.fail(w, `${app.container} FCGI_LISTEN is ${text(listen)}, not ${app.fcgi_listen}`);
    if (String(addr) !== `unix:${app.fcgi_listen}`) ctx.fail(w, `${sidecar.container} FCGI_ADDR is ${text(addr)}, not unix:${app.fcgi_listen}`);
    const mount = mountAt(a, volume.path);
    if (!mount) {
      ctx.fail(w, `${app.container} mounts no task volume at ${volume.path}, where its FastCGI socket goes`);
      continue;
    }
    if (truthy(mount.ReadOnly)) ctx.fail(w, `${app.container} mounts ${mount.SourceVolume} read-only; the pool creates its socket there`);
    const vol = list(s.task.props.Volumes).find((v) => v.Name === mount.SourceVolume);
    if (!vol) {
      ctx.fail(w, `${app.container} mounts ${text(mount.SourceVolume)} at ${volume.path}, which is not a volume of the task`);
    } else {
      const extra = Object.keys(vol).filter((k) => k !== 'Name');
      if (extra.length) {
        ctx.fail(w, `volume ${vol.Name} has ${extra.join(', ')}; the socket's folder must be a plain task volume, the task's own storage`);
      }
    }
    const seen = mountAt(n, volume.path);
    if (!seen || seen.SourceVolume !== mount.SourceVolume) {
      ctx.fail(w, `${sidecar.container} does not mount ${mount.SourceVolume} at ${volume.path}, so it cannot reach the pool's socket`);
    }
  }
});

// nginx keeps up to FCGI_KEEPALIVE idle connections in each of its
// NGINX_WORKERS processes (nginx/render's default: 1), and each holds a
// pool worker.
rule('fcgi-keepalive', 'the sidecar keeps fewer idle FastCGI connections than the pool has workers, and gives nginx/render the pool\'s WORKERS', (dep, ctx) => {
  const { app, sidecar } = ctx.contract;
  for (const { w, a, n } of taskContainers(dep, ctx)) {
    if (!a || !n) continue;
    const workers = env(a).WORKERS;
    const { FCGI_KEEPALIVE: keep, POOL_WORKERS: pool, NGINX_WORKERS: procs = '1' } = env(n);
    if (keep === undefined) {
      ctx.fail(w, `${sidecar.container} sets no FCGI_KEEPALIVE; nginx would open a FastCGI connection per request`);
    } else if (!/^\d+$/.test(String(keep))) {
      ctx.fail(w, `${sidecar.container} FCGI_KEEPALIVE is ${text(keep)}, not a whole number`);
    } else if (!/^[1-9]\d*$/.test(String(procs))) {
      ctx.fail(w, `${sidecar.container} NGINX_WORKERS is ${text(procs)}; give a number, so that the connections its processes keep can be counted`);
    } else if (!(Number(keep) * Number(procs) < Number(workers))) {
      const kept = Number(procs) === 1 ? `FCGI_KEEPALIVE is ${keep}` : `FCGI_KEEPALIVE ${keep} × NGINX_WORKERS ${procs} is ${Number(keep) * Number(procs)}`;
      ctx.fail(w, `${sidecar.container} ${kept}; it must be below the ${app.container}'s WORKERS (${text(workers)}): each kept connection holds a worker`);
    }
    if (String(pool) !== String(workers)) {
      ctx.fail(w, `${sidecar.container} POOL_WORKERS is ${text(pool)}, not the ${app.container}'s WORKERS (${text(workers)}), which nginx/render checks FCGI_KEEPALIVE against`);
    }
  }
});

rule('db-timeout', 'the app sets DB_TIMEOUT_MS below nginx\'s fastcgi_read_timeout, which is below the ALB idle timeout', (dep, ctx) => {
  const { app, sidecar } = ctx.contract;
  const readSeconds = sidecar.fastcgi_read_timeout_seconds;
  for (const s of services(dep, ctx)) {
    if (!s.task || !s.containers[app.container]) continue;
    const w = where(s.task.inst, s.task.id);
    const ms = env(s.containers[app.container]).DB_TIMEOUT_MS;
    if (ms === undefined) {
      ctx.fail(w, `${app.container} sets no DB_TIMEOUT_MS; set the database deadline explicitly, below nginx's ${readSeconds} s fastcgi_read_timeout`);
    } else if (!/^\d+$/.test(String(ms)) || Number(ms) < app.db_timeout_ms_min) {
      ctx.fail(w, `${app.container} DB_TIMEOUT_MS is ${text(ms)}; the pool takes a whole number of milliseconds from ${app.db_timeout_ms_min}`);
    } else if (!(Number(ms) < readSeconds * 1000)) {
      ctx.fail(w, `${app.container} DB_TIMEOUT_MS is ${ms}; it must be below nginx's fastcgi_read_timeout (${readSeconds * 1000} ms), or a slow database gets a 504 from nginx instead of the pool's 503`);
    }
  }
  for (const lb of all(dep, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const attr = list(lb.props.LoadBalancerAttributes).find((x) => x.Key === 'idle_timeout.timeout_seconds');
    const idle = attr ? Number(attr.Value) : 60;
    if (!(idle > readSeconds)) {
      ctx.fail(where(lb.inst, lb.id, 'Properties.LoadBalancerAttributes'), `idle timeout is ${idle} s; it must be above nginx's ${readSeconds} s fastcgi_read_timeout, or the ALB drops requests nginx still waits for`);
    }
  }
});

rule('listener-routes', 'listener rules send the contract\'s path patterns to each service, default to board', (dep, ctx) => {
  const { routes } = ctx.contract;
  const svcs = services(dep, ctx);
  const serviceOfGroup = (tg) => {
    const s = svcs.find((x) => sameResource(targetGroupOf(x), tg));
    return s ? s.name : tg === undefined ? '(no forward action)' : `${text(tg)} (no service)`;
  };
  const serving = listeners(dep).filter((l) => !l.redirect);
  if (!serving.length) ctx.fail('deployment', 'no load balancer listener forwards requests');
  for (const l of serving) {
    const w = where(l.inst, l.id);
    const def = serviceOfGroup(forwardTarget(l.props.DefaultActions));
    if (def !== ctx.contract.default_service) {
      ctx.fail(w, `default action reaches ${def}, not ${ctx.contract.default_service}`);
    }
    for (const [service, r] of Object.entries(routes)) {
      const sent = l.rules.filter((x) => serviceOfGroup(forwardTarget(x.props.Actions)) === service)
        .flatMap((x) => pathPatterns(x.props).map(String));
      for (const p of r.path_patterns) {
        if (!sent.includes(p)) ctx.fail(w, `no listener rule sends ${p} to ${service}`);
      }
      for (const p of sent) {
        if (!r.path_patterns.includes(p)) ctx.fail(w, `a listener rule sends ${p} to ${service}, which the contract does not route there`);
      }
      for (const path of r.paths) {
        const reached = route(l, path, serviceOfGroup);
        if (reached !== service) ctx.fail(w, `a request for ${path} reaches ${reached}, not ${service}`);
      }
    }
  }
});

rule('https-listener', 'HTTPS is the only way in: a required certificate, a TLS 1.2+ policy, and HTTP listeners that only redirect to HTTPS', (dep, ctx) => {
  const ls = listeners(dep);
  const https = ls.filter((l) => l.props.Protocol === 'HTTPS');
  if (ls.length && !https.length) ctx.fail('deployment', 'no HTTPS listener; the site must be served over HTTPS only');
  for (const l of https) {
    if (!/^ELBSecurityPolicy-(TLS13|TLS-1-2|FS-1-2)/.test(String(l.props.SslPolicy))) {
      ctx.fail(where(l.inst, l.id, 'Properties.SslPolicy'), `HTTPS listener policy ${text(l.props.SslPolicy)} allows TLS below 1.2`);
    }
    const certs = (l.inst.resources[l.id].Properties || {}).Certificates;
    const arn = Array.isArray(certs) && certs.length ? certs[0].CertificateArn : undefined;
    if (arn === undefined) {
      ctx.fail(where(l.inst, l.id, 'Properties.Certificates'), 'HTTPS listener has no certificate');
    } else if (arn && typeof arn === 'object' && typeof arn.Ref === 'string' && arn.Ref in l.inst.params) {
      const p = l.inst.params[arn.Ref];
      const pattern = p.AllowedPattern && new RegExp(`^(?:${p.AllowedPattern})$`);
      if ('Default' in p || !pattern || pattern.test('')) {
        ctx.fail(`${l.inst.label} Parameters.${arn.Ref}`, `${arn.Ref} may be left empty; a deploy must not be possible without a certificate (no Default, an AllowedPattern that refuses "")`);
      }
    }
  }
  for (const l of ls.filter((x) => x.props.Protocol !== 'HTTPS')) {
    if (!l.redirect || !l.redirect.RedirectConfig || l.redirect.RedirectConfig.Protocol !== 'HTTPS'
      || list(l.props.DefaultActions).length !== 1) {
      ctx.fail(where(l.inst, l.id), `${text(l.props.Protocol)} listener does not only redirect to HTTPS`);
    }
    for (const r of l.rules) {
      ctx.fail(where(r.inst, r.id), `listener rule on the ${text(l.props.Protocol)} listener would answer over plain HTTP`);
    }
  }
});

rule('health-not-public', 'every forwarding listener answers the health path with a fixed 404 before any route', (dep, ctx) => {
  const health = ctx.contract.sidecar.health_path;
  for (const l of listeners(dep).filter((x) => !x.redirect)) {
    const first = l.rules.find((r) => pathPatterns(r.props).some((p) => globMatch(String(p), health)));
    const action = first && terminal(first.props.Actions);
    const fixed = action && action.Type === 'fixed-response' && action.FixedResponseConfig;
    if (!fixed || String(fixed.StatusCode) !== '404') {
      ctx.fail(where(l.inst, l.id), `${health} is not answered with a fixed 404 by listener ${l.id}'s first matching rule, so a task's health is public`);
    }
  }
});

rule('target-groups', 'ip target groups on the sidecar port, health check /healthz, drain-sized deregistration delay', (dep, ctx) => {
  const { sidecar } = ctx.contract;
  for (const s of services(dep, ctx)) {
    const tg = targetGroupOf(s);
    if (!isType(tg, 'AWS::ElasticLoadBalancingV2::TargetGroup')) {
      ctx.fail(where(s.inst, s.id, 'Properties.LoadBalancers'), `${s.name} is not behind a target group of this deployment`);
      continue;
    }
    const p = tg.inst.props(tg.id);
    const w = (path) => where(tg.inst, tg.id, path);
    if (p.TargetType !== 'ip') ctx.fail(w('Properties.TargetType'), `target type is ${text(p.TargetType)}; awsvpc tasks need ip`);
    if (Number(p.Port) !== sidecar.listen_port) ctx.fail(w('Properties.Port'), `target port ${text(p.Port)} is not the sidecar's ${sidecar.listen_port}`);
    if (p.Protocol !== 'HTTP') ctx.fail(w('Properties.Protocol'), `target protocol is ${text(p.Protocol)}, not HTTP`);
    if (p.HealthCheckPath !== sidecar.health_path) {
      ctx.fail(w('Properties.HealthCheckPath'), `health check path ${text(p.HealthCheckPath)} is not ${sidecar.health_path}, which the sidecar serves`);
    }
    if (p.HealthCheckPort !== undefined && p.HealthCheckPort !== 'traffic-port' && Number(p.HealthCheckPort) !== sidecar.listen_port) {
      ctx.fail(w('Properties.HealthCheckPort'), `health check port ${text(p.HealthCheckPort)} is not the sidecar's ${sidecar.listen_port}`);
    }
    const attr = list(p.TargetGroupAttributes).find((a) => a.Key === 'deregistration_delay.timeout_seconds');
    const delay = attr ? Number(attr.Value) : 300;
    if (!(delay > sidecar.drain_seconds && delay < 300)) {
      ctx.fail(w('Properties.TargetGroupAttributes'), `deregistration delay is ${delay} s; it must be longer than the ${sidecar.drain_seconds} s drain and shorter than 300 s`);
    }
  }
});

rule('ecs-fargate', 'services and their tasks run on Fargate in awsvpc mode', (dep, ctx) => {
  for (const s of services(dep, ctx)) {
    const providers = list(s.props.CapacityProviderStrategy).map((c) => c.CapacityProvider);
    const fargate = s.props.LaunchType === 'FARGATE'
      || (providers.length && providers.every((p) => p === 'FARGATE' || p === 'FARGATE_SPOT'));
    if (!fargate) ctx.fail(where(s.inst, s.id), `launch type is ${text(s.props.LaunchType)}, not FARGATE`);
    if (!s.task) {
      ctx.fail(where(s.inst, s.id, 'Properties.TaskDefinition'), 'task definition is not one of this deployment');
      continue;
    }
    if (!list(s.task.props.RequiresCompatibilities).includes('FARGATE')) {
      ctx.fail(where(s.task.inst, s.task.id), 'task definition does not require FARGATE compatibility');
    }
    if (s.task.props.NetworkMode !== 'awsvpc') {
      ctx.fail(where(s.task.inst, s.task.id, 'Properties.NetworkMode'), `network mode is ${text(s.task.props.NetworkMode)}, not awsvpc`);
    }
  }
});

rule('ecs-private-subnets', 'tasks get no public IP and run in private subnets over 2+ AZs', (dep, ctx) => {
  for (const s of services(dep, ctx)) {
    const vpc = s.props.NetworkConfiguration && s.props.NetworkConfiguration.AwsvpcConfiguration;
    if (!vpc) {
      ctx.fail(where(s.inst, s.id), 'service has no awsvpc network configuration');
      continue;
    }
    if (vpc.AssignPublicIp !== 'DISABLED') {
      ctx.fail(where(s.inst, s.id, 'Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp'),
        `AssignPublicIp is ${text(vpc.AssignPublicIp)}; tasks must not get a public IP (DISABLED)`);
    }
    checkSubnets(ctx, list(vpc.Subnets), 'private', s.inst, s.id,
      'Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets', `${s.name} service`);
  }
});

rule('ecs-deployment', 'two or more tasks, circuit breaker with rollback, safe deploy percentages, grace period', (dep, ctx) => {
  for (const s of services(dep, ctx)) {
    atLeast(ctx, s.inst, s.id, 'DesiredCount', s.props.DesiredCount, 2, `${s.name} DesiredCount`);
    const dc = s.props.DeploymentConfiguration || {};
    const cb = dc.DeploymentCircuitBreaker || {};
    if (!truthy(cb.Enable) || !truthy(cb.Rollback)) {
      ctx.fail(where(s.inst, s.id, 'Properties.DeploymentConfiguration'), `${s.name} deployment circuit breaker needs Enable and Rollback true`);
    }
    if (!(Number(dc.MinimumHealthyPercent) >= 100) || !(Number(dc.MaximumPercent) > 100)) {
      ctx.fail(where(s.inst, s.id, 'Properties.DeploymentConfiguration'),
        `${s.name} deploys with MinimumHealthyPercent ${text(dc.MinimumHealthyPercent)} / MaximumPercent ${text(dc.MaximumPercent)}; keep full capacity (>= 100) and room to start new tasks (> 100)`);
    }
    if (!(Number(s.props.HealthCheckGracePeriodSeconds) > 0)) {
      ctx.fail(where(s.inst, s.id), `${s.name} has no HealthCheckGracePeriodSeconds`);
    }
  }
});

rule('ecs-load-balancer', 'the service registers the sidecar container on its listen port', (dep, ctx) => {
  const { sidecar } = ctx.contract;
  for (const s of services(dep, ctx)) {
    const lbs = list(s.props.LoadBalancers);
    if (lbs.length !== 1) {
      ctx.fail(where(s.inst, s.id, 'Properties.LoadBalancers'), `${s.name} needs exactly one load balancer entry`);
      continue;
    }
    const [lb] = lbs;
    if (lb.ContainerName !== sidecar.container || Number(lb.ContainerPort) !== sidecar.listen_port) {
      ctx.fail(where(s.inst, s.id, 'Properties.LoadBalancers'),
        `${s.name} registers ${text(lb.ContainerName)}:${text(lb.ContainerPort)}, not ${sidecar.container}:${sidecar.listen_port}`);
    }
  }
});

rule('container-ports', 'port mappings are the sidecar listen port and the metrics ports only', (dep, ctx) => {
  const { sidecar, app } = ctx.contract;
  for (const s of services(dep, ctx)) {
    if (!s.task) continue;
    const nginx = s.containers[sidecar.container];
    if (nginx && !list(nginx.PortMappings).some((p) => Number(p.ContainerPort) === sidecar.listen_port)) {
      ctx.fail(where(s.task.inst, s.task.id), `${sidecar.container} does not map the sidecar's listen port ${sidecar.listen_port}`);
    }
    const allowed = { [sidecar.container]: [sidecar.listen_port, sidecar.stub_status_port], [app.container]: [app.metrics_port] };
    for (const [name, c] of Object.entries(s.containers)) {
      for (const p of list(c.PortMappings)) {
        if (!(allowed[name] || []).includes(Number(p.ContainerPort))) {
          ctx.fail(where(s.task.inst, s.task.id), `${name} maps port ${text(p.ContainerPort)}, which the contract does not publish`);
        }
      }
    }
  }
});

rule('task-containers', 'each service task pairs the app and nginx containers, nginx after app is HEALTHY', (dep, ctx) => {
  const { sidecar, app } = ctx.contract;
  for (const s of services(dep, ctx)) {
    if (!s.task) continue;
    const w = where(s.task.inst, s.task.id);
    const names = Object.keys(s.containers).sort();
    if (names.join(',') !== [app.container, sidecar.container].sort().join(',')) {
      ctx.fail(w, `containers are ${names.join(', ')}; expected ${app.container} and ${sidecar.container}`);
      continue;
    }
    const deps = list(s.containers[sidecar.container].DependsOn);
    if (!deps.some((d) => d.ContainerName === app.container && d.Condition === 'HEALTHY')) {
      ctx.fail(w, `${sidecar.container} must depend on ${app.container} with condition HEALTHY`);
    }
    for (const c of Object.values(s.containers)) {
      if (falsy(c.Essential)) ctx.fail(w, `${c.Name} is not essential; the task must stop when either container dies`);
    }
  }
});

rule('container-health-checks', 'both containers have the contract\'s health check command', (dep, ctx) => {
  const { sidecar, app } = ctx.contract;
  for (const s of services(dep, ctx)) {
    if (!s.task) continue;
    const expected = {
      [app.container]: expand(app.healthcheck, s.name),
      [sidecar.container]: sidecar.healthcheck,
    };
    for (const [name, cmd] of Object.entries(expected)) {
      const c = s.containers[name];
      if (!c) continue;
      const got = c.HealthCheck && list(c.HealthCheck.Command).map(String);
      if (!got) {
        ctx.fail(where(s.task.inst, s.task.id), `${name} has no health check`);
      } else if (JSON.stringify(got) !== JSON.stringify(cmd)) {
        ctx.fail(where(s.task.inst, s.task.id), `${name} health check is ${JSON.stringify(got)}, not ${JSON.stringify(cmd)}`);
      }
    }
  }
});

rule('container-stop-timeout', 'stopTimeout exceeds the drain and the app\'s SHUTDOWN_TIMEOUT', (dep, ctx) => {
  const { sidecar, app } = ctx.contract;
  for (const s of services(dep, ctx)) {
    if (!s.task) continue;
    const appEnv = s.containers[app.container] ? env(s.containers[app.container]) : {};
    const drain = Math.max(sidecar.drain_seconds, Number(appEnv.SHUTDOWN_TIMEOUT) || 0);
    for (const c of Object.values(s.containers)) {
      const t = Number(c.StopTimeout);
      if (!(t > drain && t <= ctx.contract.max_stop_timeout_seconds)) {
        ctx.fail(where(s.task.inst, s.task.id), `${c.Name} stopTimeout is ${text(c.StopTimeout)}; it must be over the ${drain} s drain and at most ${ctx.contract.max_stop_timeout_seconds}`);
      }
    }
  }
});

rule('container-hardening', 'every container: read-only root filesystem, non-root user, an init process, no capabilities, awslogs with retention', (dep, ctx) => {
  for (const t of all(dep, 'AWS::ECS::TaskDefinition')) {
    list(t.props.ContainerDefinitions).forEach((c, i) => {
      const w = where(t.inst, t.id, `Properties.ContainerDefinitions[${i}]`);
      if (!truthy(c.ReadonlyRootFilesystem)) ctx.fail(w, `${c.Name} root filesystem is writable (ReadonlyRootFilesystem)`);
      const user = c.User === undefined ? '' : String(c.User);
      if (!user || /^(0|root)(:|$)/.test(user)) ctx.fail(w, `${c.Name} runs as root; set User to a non-root uid`);
      else if (user !== ctx.contract.user) ctx.fail(w, `${c.Name} runs as ${user}, not the images' user ${ctx.contract.user}`);
      const lp = c.LinuxParameters || {};
      if (!truthy(lp.InitProcessEnabled)) ctx.fail(w, `${c.Name} has no init process (LinuxParameters.InitProcessEnabled) to reap orphans and pass the stop signal on`);
      const drop = list(lp.Capabilities && lp.Capabilities.Drop).map(String);
      if (!drop.includes('ALL') || list(lp.Capabilities && lp.Capabilities.Add).length) {
        ctx.fail(w, `${c.Name} keeps Linux capabilities; drop ALL and add none`);
      }
      const log = c.LogConfiguration || {};
      const group = log.Options && log.Options['awslogs-group'];
      if (log.LogDriver !== 'awslogs' || !isType(group, 'AWS::Logs::LogGroup')) {
        ctx.fail(w, `${c.Name} does not log with awslogs to a log group of this deployment`);
      } else if (!(Number(group.inst.props(group.id).RetentionInDays) > 0)) {
        ctx.fail(where(group.inst, group.id), 'log group keeps logs forever; set RetentionInDays');
      }
    });
  }
});

function secretsManagerSource(v) {
  const first = parts(v)[0];
  if (isType(first, 'AWS::SecretsManager::Secret')) return first;
  if (first instanceof Sym && first.attr === 'MasterUserSecret.SecretArn') return first;
  if (typeof first === 'string' && /^arn:[^:]+:secretsmanager:/.test(first)) return first;
  return null;
}

rule('container-secrets', 'passwords come from Secrets Manager through Secrets, never Environment', (dep, ctx) => {
  for (const t of all(dep, 'AWS::ECS::TaskDefinition')) {
    list(t.props.ContainerDefinitions).forEach((c, i) => {
      const w = where(t.inst, t.id, `Properties.ContainerDefinitions[${i}]`);
      for (const name of Object.keys(env(c))) {
        if (/PASSWORD|SECRET|TOKEN/i.test(name)) ctx.fail(w, `${c.Name} sets ${name} in Environment; pass it through Secrets`);
      }
      for (const [name, from] of Object.entries(secrets(c))) {
        if (!secretsManagerSource(from)) ctx.fail(w, `${c.Name} secret ${name} does not come from a Secrets Manager secret (${text(from)})`);
      }
    });
  }
  for (const s of services(dep, ctx)) {
    const a = s.containers[ctx.contract.app.container];
    if (!a) continue;
    const src = secretsManagerSource(secrets(a).PGPASSWORD);
    if (!src) {
      ctx.fail(where(s.task.inst, s.task.id), `${s.name} app gets no PGPASSWORD from Secrets Manager`);
    } else if (src instanceof Sym && src.type === 'AWS::SecretsManager::Secret'
        && !src.inst.props(src.id).GenerateSecretString) {
      ctx.fail(where(src.inst, src.id), `${s.name} login secret is not generated by the stack (GenerateSecretString)`);
    } else if (src instanceof Sym && src.type === 'AWS::SecretsManager::Secret'
        && src.inst.resources[src.id].DeletionPolicy !== 'Retain') {
      ctx.fail(where(src.inst, src.id), `${s.name} login secret goes with the stack (DeletionPolicy is not Retain); a database restored from the final snapshot could not be logged into`);
    }
  }
  // One CSRF signing key for every app: a form one service serves is
  // posted to another.
  const name = ctx.contract.app.csrf_secret_env;
  const keys = [];
  for (const s of services(dep, ctx)) {
    const a = s.containers[ctx.contract.app.container];
    if (!a) continue;
    const src = secretsManagerSource(secrets(a)[name]);
    if (!(src instanceof Sym && src.type === 'AWS::SecretsManager::Secret' && src.inst.props(src.id).GenerateSecretString)) {
      ctx.fail(where(s.task.inst, s.task.id), `${s.name} app gets no ${name} from a Secrets Manager secret the stack generates`);
    } else {
      keys.push({ s, src });
    }
  }
  for (const k of keys.slice(1)) {
    if (!sameResource(k.src, keys[0].src)) {
      ctx.fail(where(k.s.task.inst, k.s.task.id), `${k.s.name} app's ${name} is not the secret ${keys[0].s.name} uses; a form one service serves is posted to another`);
    }
  }
});

rule('app-environment', 'the app and sidecar environment match the contract; the database is reached with verify-full SSL, read-write servers only', (dep, ctx) => {
  const { app, sidecar } = ctx.contract;
  for (const { s, w, a, n } of taskContainers(dep, ctx)) {
    if (a) {
      const e = env(a);
      const want = {
        METRICS_LISTEN: app.metrics_listen,
        PGDATABASE: app.database,
      };
      if (e.PGUSER !== undefined) ctx.fail(w, `${app.container} sets PGUSER in Environment; it comes from the login secret (rule login-rotation)`);
      for (const [k, v] of Object.entries(want)) {
        if (String(e[k]) !== String(v)) ctx.fail(w, `${app.container} ${k} is ${text(e[k])}, not ${v}`);
      }
      if (!(Number(e.SHUTDOWN_TIMEOUT) > 0 && Number(e.SHUTDOWN_TIMEOUT) <= app.shutdown_timeout_seconds)) {
        ctx.fail(w, `${app.container} SHUTDOWN_TIMEOUT is ${text(e.SHUTDOWN_TIMEOUT)}; it must be 1-${app.shutdown_timeout_seconds} s`);
      }
      const db = {
        PGSSLMODE: app.db_sslmode,
        PGSSLROOTCERT: app.db_sslrootcert,
        PGTARGETSESSIONATTRS: app.db_target_session_attrs,
      };
      for (const [k, v] of Object.entries(db)) {
        if (String(e[k]) !== String(v)) ctx.fail(w, `${app.container} ${k} is ${text(e[k])}, not ${v}`);
      }
      if (!(e.PGHOST instanceof Sym && e.PGHOST.type === 'AWS::RDS::DBInstance' && e.PGHOST.attr === 'Endpoint.Address')) {
        ctx.fail(w, `${app.container} PGHOST is ${text(e.PGHOST)}, not the RDS instance's endpoint address`);
      }
      if (!e.WORKERS) ctx.fail(w, `${app.container} has no WORKERS`);
    }
    if (n) {
      const e = env(n);
      const want = {
        SERVICE: s.name, LISTEN: sidecar.listen_port,
        STATUS_LISTEN: `0.0.0.0:${sidecar.stub_status_port}`,
      };
      for (const [k, v] of Object.entries(want)) {
        if (String(e[k]) !== String(v)) ctx.fail(w, `${sidecar.container} ${k} is ${text(e[k])}, not ${v}`);
      }
      if (!isVpcCidr(dep, e.REAL_IP_FROM)) ctx.fail(w, `${sidecar.container} REAL_IP_FROM is ${text(e.REAL_IP_FROM)}, not the VPC CIDR`);
    }
  }
});

rule('autoscaling', 'target tracking on ALBRequestCountPerTarget and CPU, a floor of 2 of its own (not DesiredCount), cooldowns', (dep, ctx) => {
  for (const s of services(dep, ctx)) {
    const serviceName = (v) => parts(v).some((p) => p instanceof Sym && p.inst === s.inst && p.id === s.id && p.attr === 'Name');
    const targets = s.inst.ofType('AWS::ApplicationAutoScaling::ScalableTarget')
      .map(([id]) => ({ id, props: s.inst.props(id) }))
      .filter((t) => t.props.ScalableDimension === 'ecs:service:DesiredCount' && serviceName(t.props.ResourceId));
    if (targets.length !== 1) {
      ctx.fail(where(s.inst, s.id), `${s.name} needs one scalable target on its DesiredCount, found ${targets.length}`);
      continue;
    }
    const [t] = targets;
    atLeast(ctx, s.inst, t.id, 'MinCapacity', t.props.MinCapacity, 2, `${s.name} autoscaling MinCapacity`);
    // ecs/deploy.sh passes the running count as DesiredCount: the floor
    // must be a parameter of its own, or keeping the count would raise it.
    const floor = rawParam(s.inst, t.id, 'MinCapacity');
    const desired = rawParam(s.inst, s.id, 'DesiredCount');
    if (floor && desired && floor.name === desired.name) {
      ctx.fail(where(s.inst, t.id, 'Properties.MinCapacity'), `${s.name} autoscaling floor is DesiredCount, which each deploy sets to the running count; give the floor its own parameter`);
    }
    if (!(Number(t.props.MaxCapacity) >= Number(t.props.MinCapacity))) {
      ctx.fail(where(s.inst, t.id), `${s.name} MaxCapacity ${text(t.props.MaxCapacity)} is below MinCapacity`);
    }
    const policies = s.inst.ofType('AWS::ApplicationAutoScaling::ScalingPolicy').map(([id]) => ({ id, props: s.inst.props(id) }))
      .filter((p) => sameResource(p.props.ScalingTargetId, new Sym('ref', s.inst, t.id)));
    const tg = targetGroupOf(s);
    for (const metric of ['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization']) {
      const p = policies.find((x) => x.props.PolicyType === 'TargetTrackingScaling'
        && x.props.TargetTrackingScalingPolicyConfiguration
        && x.props.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification
        && x.props.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType === metric);
      if (!p) {
        ctx.fail(where(s.inst, t.id), `${s.name} has no target-tracking policy on ${metric}`);
        continue;
      }
      const cfg = p.props.TargetTrackingScalingPolicyConfiguration;
      if (!(Number(cfg.ScaleOutCooldown) > 0 && Number(cfg.ScaleInCooldown) >= Number(cfg.ScaleOutCooldown))) {
        ctx.fail(where(s.inst, p.id), `${s.name} ${metric} policy needs a scale-out cooldown and a scale-in cooldown at least as long`);
      }
      if (metric === 'ALBRequestCountPerTarget') {
        const label = cfg.PredefinedMetricSpecification.ResourceLabel;
        if (!parts(label).some((x) => sameResource(x, tg) && x.attr === 'TargetGroupFullName')) {
          ctx.fail(where(s.inst, p.id), `${s.name} request-count policy does not measure the service's own target group`);
        }
      }
    }
  }
});

// The metrics an alarm reads: its own, or those of its metric math.
function alarmMetrics(a) {
  if (a.props.MetricName) return [{ name: a.props.MetricName, dims: a.dims }];
  return list(a.props.Metrics).filter((m) => m.MetricStat && m.MetricStat.Metric).map((m) => {
    const dims = {};
    for (const d of list(m.MetricStat.Metric.Dimensions)) dims[d.Name] = d.Value;
    return { name: m.MetricStat.Metric.MetricName, dims };
  });
}

// The alarms that watch each service, its load balancer and its database.
function serviceAlarms(dep, ctx, s, found) {
  const tg = targetGroupOf(s);
  const onTg = found.filter((a) => a.props.Namespace === 'AWS/ApplicationELB'
    && sameResource(a.dims.TargetGroup, tg) && a.dims.TargetGroup.attr === 'TargetGroupFullName');
  const pick = (metric, test) => onTg.filter((a) => a.props.MetricName === metric && (!test || test(a)));
  const tasks = found.filter((a) => {
    const names = alarmMetrics(a).map((m) => m.name);
    return names.includes('RunningTaskCount') && names.includes('DesiredTaskCount');
  });
  return {
    'p99 TargetResponseTime': pick('TargetResponseTime', (a) => a.props.ExtendedStatistic === 'p99'),
    HTTPCode_Target_5XX_Count: pick('HTTPCode_Target_5XX_Count'),
    UnHealthyHostCount: pick('UnHealthyHostCount'),
    'HealthyHostCount below 1, missing data breaching': pick('HealthyHostCount', (a) => a.props.ComparisonOperator === 'LessThanThreshold'
      && Number(a.props.Threshold) === 1 && a.props.TreatMissingData === 'breaching'),
    'RunningTaskCount below DesiredTaskCount': tasks,
  };
}

function loadBalancerAlarms(found, lb) {
  const mine = found.filter((a) => a.props.Namespace === 'AWS/ApplicationELB' && !a.dims.TargetGroup
    && sameResource(a.dims.LoadBalancer, lb) && a.dims.LoadBalancer.attr === 'LoadBalancerFullName');
  return {
    HTTPCode_ELB_5XX_Count: mine.filter((a) => a.props.MetricName === 'HTTPCode_ELB_5XX_Count'),
    RejectedConnectionCount: mine.filter((a) => a.props.MetricName === 'RejectedConnectionCount'),
  };
}

const RDS_ALARMS = ['CPUUtilization', 'FreeStorageSpace', 'FreeableMemory', 'DatabaseConnections',
  'MaximumUsedTransactionIDs', 'ReadLatency', 'WriteLatency', 'DiskQueueDepth'];

rule('alarms', 'alarms that fire on outages: per service, its load balancer and its database; RDS events; every alarm notifies', (dep, ctx) => {
  const found = alarms(dep);
  for (const a of found) {
    if (!list(a.props.AlarmActions).length) ctx.fail(where(a.inst, a.id), 'alarm notifies nobody (AlarmActions)');
  }
  for (const s of services(dep, ctx)) {
    for (const [what, list_] of Object.entries(serviceAlarms(dep, ctx, s, found))) {
      if (!list_.length) ctx.fail(`${s.name} service`, `no CloudWatch alarm on ${what}`);
    }
  }
  for (const lb of all(dep, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    for (const [what, list_] of Object.entries(loadBalancerAlarms(found, new Sym('ref', lb.inst, lb.id)))) {
      if (!list_.length) ctx.fail(where(lb.inst, lb.id), `no CloudWatch alarm on the load balancer's ${what}`);
    }
  }
  for (const db of all(dep, 'AWS::RDS::DBInstance')) {
    const ref = new Sym('ref', db.inst, db.id);
    const mine = found.filter((a) => a.props.Namespace === 'AWS/RDS' && sameResource(a.dims.DBInstanceIdentifier, ref));
    for (const metric of RDS_ALARMS) {
      requireAlarm(ctx, mine, where(db.inst, db.id), metric);
    }
    const subs = all(dep, 'AWS::RDS::EventSubscription').filter((e) => list(e.props.SourceIds).some((x) => sameResource(x, ref)));
    if (!subs.length) ctx.fail(where(db.inst, db.id), 'no RDS event subscription sends its failover, failure and maintenance events');
    for (const e of subs) {
      if (!e.props.SnsTopicArn) ctx.fail(where(e.inst, e.id), 'event subscription has no SnsTopicArn');
      const cats = list(e.props.EventCategories).map(String);
      for (const c of ['failover', 'failure', 'low storage', 'availability']) {
        if (cats.length && !cats.includes(c)) ctx.fail(where(e.inst, e.id, 'Properties.EventCategories'), `event subscription leaves out ${c} events`);
      }
    }
  }
});

rule('deployment-alarms', 'each service rolls a deploy back on its outage alarms and its load balancer\'s (DeploymentAlarms)', (dep, ctx) => {
  const found = alarms(dep);
  const lbs = all(dep, 'AWS::ElasticLoadBalancingV2::LoadBalancer').map((lb) => new Sym('ref', lb.inst, lb.id));
  for (const s of services(dep, ctx)) {
    const w = where(s.inst, s.id, 'Properties.DeploymentConfiguration.Alarms');
    const cfg = (s.props.DeploymentConfiguration || {}).Alarms;
    if (!cfg || !truthy(cfg.Enable) || !truthy(cfg.Rollback)) {
      ctx.fail(w, `${s.name} deployment alarms need Enable and Rollback true`);
      continue;
    }
    const named = list(cfg.AlarmNames);
    const wanted = { ...serviceAlarms(dep, ctx, s, found) };
    for (const lb of lbs) Object.assign(wanted, loadBalancerAlarms(found, lb));
    for (const [what, list_] of Object.entries(wanted)) {
      if (list_.length && !list_.some((a) => named.some((n) => sameResource(n, new Sym('ref', a.inst, a.id))))) {
        ctx.fail(w, `${s.name} deploys do not roll back on the ${what} alarm`);
      }
    }
  }
});

// The parameters a condition reads, through the conditions it names.
function conditionParams(doc, name, out = new Set()) {
  const walk = (node) => {
    if (Array.isArray(node)) { node.forEach(walk); return; }
    if (!node || typeof node !== 'object') return;
    if (typeof node.Ref === 'string' && node.Ref in (doc.Parameters || {})) out.add(node.Ref);
    if (typeof node.Condition === 'string') conditionParams(doc, node.Condition, out);
    Object.values(node).forEach(walk);
  };
  walk((doc.Conditions || {})[name]);
  return out;
}

rule('alarm-subscriber', 'a deploy that would create the alarm topic without a subscriber is refused by the template\'s Rules', (dep, ctx) => {
  for (const inst of dep.instances) {
    for (const [id, topic] of Object.entries(inst.resources).filter(([, r]) => r.Type === 'AWS::SNS::Topic')) {
      const subs = Object.values(inst.resources).filter((r) => r.Type === 'AWS::SNS::Subscription'
        && r.Properties && r.Properties.TopicArn && r.Properties.TopicArn.Ref === id);
      const endpoints = subs.map((r) => r.Properties.Endpoint).filter((e) => e && typeof e.Ref === 'string' && e.Ref in inst.params).map((e) => e.Ref);
      if (!endpoints.length) {
        ctx.fail(where(inst, id), 'alarm topic has no subscription from a parameter');
        continue;
      }
      const values = {};
      for (const p of conditionParams(inst.doc, topic.Condition)) values[p] = '';
      const none = { ...values };
      for (const e of endpoints) none[e] = '';
      let refused;
      try {
        refused = rulesRefuse(inst.doc, none);
      } catch (e) {
        refused = null;
      }
      if (!refused) {
        ctx.fail(`${inst.label} Rules`, `nothing refuses a deploy that creates ${id} with ${endpoints.join(', ')} empty: alarms would reach nobody`);
      }
    }
  }
});

rule('container-insights', 'ECS clusters have Container Insights on', (dep, ctx) => {
  for (const c of all(dep, 'AWS::ECS::Cluster')) {
    const setting = list(c.props.ClusterSettings).find((x) => x.Name === 'containerInsights');
    if (!setting || !['enabled', 'enhanced'].includes(setting.Value)) {
      ctx.fail(where(c.inst, c.id), 'cluster has Container Insights off (ClusterSettings containerInsights)');
    }
  }
});

rule('rds', 'PostgreSQL 16 or 17, Multi-AZ, private, encrypted with its own key, protected, backed up, managed password, insights, Enhanced Monitoring, slow-statement and autovacuum logs exported', (dep, ctx) => {
  for (const db of all(dep, 'AWS::RDS::DBInstance')) {
    const p = db.props;
    const w = (path) => where(db.inst, db.id, path && `Properties.${path}`);
    if (p.Engine !== 'postgres') ctx.fail(w('Engine'), `engine is ${text(p.Engine)}, not postgres`);
    const major = String(p.EngineVersion).split('.')[0];
    if (!['16', '17'].includes(major)) ctx.fail(w('EngineVersion'), `engine version is ${text(p.EngineVersion)}, not PostgreSQL 16 or 17`);
    if (!truthy(p.MultiAZ)) ctx.fail(w('MultiAZ'), 'database is not Multi-AZ (MultiAZ must be true)');
    if (!falsy(p.PubliclyAccessible)) ctx.fail(w('PubliclyAccessible'), `database is publicly accessible (PubliclyAccessible is ${text(p.PubliclyAccessible)}; it must be false)`);
    if (!truthy(p.StorageEncrypted)) ctx.fail(w('StorageEncrypted'), 'database storage is not encrypted (StorageEncrypted must be true)');
    if (!truthy(p.DeletionProtection)) ctx.fail(w('DeletionProtection'), 'database has no deletion protection (DeletionProtection must be true)');
    atLeast(ctx, db.inst, db.id, 'BackupRetentionPeriod', p.BackupRetentionPeriod, 7, 'BackupRetentionPeriod');
    if (!truthy(p.ManageMasterUserPassword) || p.MasterUserPassword !== undefined) {
      ctx.fail(w('ManageMasterUserPassword'), 'master password is not managed by Secrets Manager (ManageMasterUserPassword true, no MasterUserPassword)');
    }
    if (!truthy(p.EnablePerformanceInsights)) ctx.fail(w('EnablePerformanceInsights'), 'Performance Insights is off');
    const key = p.KmsKeyId;
    if (!isType(key, 'AWS::KMS::Key')) {
      ctx.fail(w('KmsKeyId'), 'storage is not encrypted with a customer-managed key of this deployment (KmsKeyId)');
    } else {
      if (!truthy(key.inst.props(key.id).EnableKeyRotation)) ctx.fail(where(key.inst, key.id), 'database key does not rotate (EnableKeyRotation)');
      if (key.inst.resources[key.id].DeletionPolicy !== 'Retain') ctx.fail(where(key.inst, key.id), 'database key is not retained with the stack (DeletionPolicy: Retain); the final snapshot needs it');
    }
    if (!(Number(p.MonitoringInterval) > 0) || !p.MonitoringRoleArn) ctx.fail(w('MonitoringInterval'), 'Enhanced Monitoring is off (MonitoringInterval and MonitoringRoleArn)');
    if (!list(p.EnableCloudwatchLogsExports).includes('postgresql')) ctx.fail(w('EnableCloudwatchLogsExports'), 'the postgresql log is not exported to CloudWatch Logs');
    const policy = db.inst.resources[db.id].DeletionPolicy;
    if (!['Snapshot', 'Retain'].includes(policy)) ctx.fail(w(), `DeletionPolicy is ${text(policy)}; deleting the stack would drop the data (Snapshot)`);
    const group = p.DBSubnetGroupName;
    if (!isType(group, 'AWS::RDS::DBSubnetGroup')) {
      ctx.fail(w('DBSubnetGroupName'), 'database is not in a subnet group of this deployment');
    } else {
      checkSubnets(ctx, list(group.inst.props(group.id).SubnetIds), 'isolated', group.inst, group.id, 'Properties.SubnetIds', 'database subnet group');
    }
    const params = p.DBParameterGroupName;
    if (!isType(params, 'AWS::RDS::DBParameterGroup')) {
      ctx.fail(w('DBParameterGroupName'), 'database has no parameter group of this deployment, so SSL is not forced');
    } else {
      const pg = params.inst.props(params.id);
      if (pg.Family !== `postgres${major}`) ctx.fail(where(params.inst, params.id, 'Properties.Family'), `parameter group family is ${text(pg.Family)}, not postgres${major} like the engine`);
      const pp = pg.Parameters || {};
      if (String(pp['rds.force_ssl']) !== '1') {
        ctx.fail(where(params.inst, params.id, 'Properties.Parameters'), 'parameter group does not set rds.force_ssl = 1');
      }
      for (const k of ['log_min_duration_statement', 'log_autovacuum_min_duration']) {
        if (!(Number(pp[k]) >= 0)) ctx.fail(where(params.inst, params.id, 'Properties.Parameters'), `parameter group does not set ${k}, so slow statements or autovacuum runs go unlogged`);
      }
    }
  }
});

rule('migrate-task', 'a one-off migration task with the master password and the three logins (user and password)', (dep, ctx) => {
  const { migrate } = ctx.contract;
  const used = services(dep, ctx).map((s) => s.task && `${s.task.inst.name}:${s.task.id}`);
  const tasks = all(dep, 'AWS::ECS::TaskDefinition').filter((t) => !used.includes(`${t.inst.name}:${t.id}`))
    .filter((t) => list(t.props.ContainerDefinitions).some((c) => c.Name === migrate.container));
  if (tasks.length !== 1) {
    ctx.fail('deployment', `expected one migration task definition with a ${migrate.container} container, found ${tasks.length}`);
    return;
  }
  const [t] = tasks;
  const c = list(t.props.ContainerDefinitions).find((x) => x.Name === migrate.container);
  const have = secrets(c);
  const e = env(c);
  for (const [k, v] of [['PGSSLMODE', ctx.contract.app.db_sslmode], ['PGSSLROOTCERT', ctx.contract.app.db_sslrootcert]]) {
    if (String(e[k]) !== String(v)) ctx.fail(where(t.inst, t.id), `${migrate.container} ${k} is ${text(e[k])}, not ${v}`);
  }
  for (const name of ['PGPASSWORD', ...Object.values(migrate.user_env), ...Object.values(migrate.password_env)]) {
    if (!(name in have)) ctx.fail(where(t.inst, t.id), `${migrate.container} gets no ${name} through Secrets`);
  }
  if (!dep.instances.some((inst) => (inst.doc.Outputs || {}).MigrateTaskSecurityGroup)) {
    ctx.fail('deployment', 'no stack outputs MigrateTaskSecurityGroup, the group ecs/migrate.sh runs the migration task in');
  }
});

// --- automatic rotation of the login secrets ---------------------------------

const ROTATION_TRANSFORMS = ['AWS::SecretsManager-2020-07-23', 'AWS::SecretsManager-2024-09-16'];

// The items of a comma-separated list CloudFormation takes as one string
// (HostedRotationLambda's VpcSubnetIds and VpcSecurityGroupIds).
function commaList(v) {
  if (v === undefined || v === null || v === '') return [];
  if (v instanceof Joined && v.sep === ',') return v.items;
  if (typeof v === 'string') return v.split(',');
  return [v];
}

// The security groups of the hosted rotation functions.
function rotationGroups(dep) {
  return all(dep, 'AWS::SecretsManager::RotationSchedule').flatMap((r) => commaList(
    r.props.HostedRotationLambda && r.props.HostedRotationLambda.VpcSecurityGroupIds));
}

// cron(MIN HOUR REST...) with a fixed minute and hour: the minute of the
// day it fires and the fields that say on which days.
function cronAt(expr) {
  const m = /^cron\((\d+) (\d+) (.+)\)$/.exec(String(expr));
  return m ? { minute: Number(m[2]) * 60 + Number(m[1]), days: m[3] } : null;
}

function durationMinutes(d) {
  const m = /^(\d+)h$/.exec(String(d));
  return m ? Number(m[1]) * 60 : null;
}

// What a container reads from one key of a JSON secret: ARN:KEY:: (the
// secret, and the key), or null.
function secretKey(from) {
  const p = parts(from);
  const tail = p.length === 2 && typeof p[1] === 'string' ? /^:([A-Za-z_]+)::$/.exec(p[1]) : null;
  return tail && isType(p[0], 'AWS::SecretsManager::Secret') ? { secret: p[0], key: tail[1] } : null;
}

rule('login-rotation', 'each service\'s login secret rotates on a schedule by the hosted alternating-users function, inside the VPC next to the database, the tasks read the login from it and are replaced after each rotation', (dep, ctx) => {
  const rot = ctx.contract.rotation;
  const schedules = all(dep, 'AWS::SecretsManager::RotationSchedule');
  const masters = all(dep, 'AWS::RDS::DBInstance');
  const dbGroups = masters.flatMap((d) => list(d.props.VPCSecurityGroups));
  for (const s of services(dep, ctx)) {
    const a = s.containers[ctx.contract.app.container];
    if (!a) continue;
    const w = where(s.task.inst, s.task.id);
    const user = secretKey(secrets(a).PGUSER);
    const pass = secretKey(secrets(a).PGPASSWORD);
    if (!user || user.key !== 'username' || !pass || pass.key !== 'password' || !sameResource(user.secret, pass.secret)) {
      ctx.fail(w, `${s.name} app must read PGUSER and PGPASSWORD from the username and password of its login secret (ARN:username:: and ARN:password::): the rotation alternates the login role`);
      continue;
    }
    const secret = pass.secret;
    const gen = secret.inst.props(secret.id).GenerateSecretString || {};
    const tmpl = String(gen.SecretStringTemplate || '');
    const login = expand(ctx.contract.app.db_user, s.name);
    if (gen.GenerateStringKey !== 'password' || !tmpl.includes(`"username": "${login}"`)
        || !/"engine": "postgres"/.test(tmpl) || !/"masterarn": "«[^»]*MasterUserSecret\.SecretArn»"/.test(tmpl)) {
      ctx.fail(where(secret.inst, secret.id, 'Properties.GenerateSecretString'),
        `${s.name} login secret must be the JSON the rotation function reads: engine postgres, host, port, dbname, username ${login}, masterarn (the master secret) and a generated password`);
    }
    const mine = schedules.filter((r) => sameResource(r.props.SecretId, secret));
    if (mine.length !== 1) {
      ctx.fail(where(secret.inst, secret.id), `${s.name} login secret has ${mine.length} rotation schedules; it needs one`);
      continue;
    }
    const [r] = mine;
    const rw = (p) => where(r.inst, r.id, `Properties.${p}`);
    const h = r.props.HostedRotationLambda;
    if (!h) {
      ctx.fail(rw('HostedRotationLambda'), `${s.name} login secret is not rotated by Secrets Manager's hosted function`);
      continue;
    }
    if (!ROTATION_TRANSFORMS.includes(String(r.inst.doc.Transform))) {
      ctx.fail(`${r.inst.label} Transform`, `a hosted rotation function needs Transform: ${ROTATION_TRANSFORMS[1]}`);
    }
    if (h.RotationType !== rot.type) {
      ctx.fail(rw('HostedRotationLambda.RotationType'), `rotation type ${text(h.RotationType)}, not ${rot.type}: a single-user rotation changes the password every running task logs in with`);
    }
    if (!masters.some((m) => h.MasterSecretArn instanceof Sym && h.MasterSecretArn.inst === m.inst
        && h.MasterSecretArn.id === m.id && h.MasterSecretArn.attr === 'MasterUserSecret.SecretArn')) {
      ctx.fail(rw('HostedRotationLambda.MasterSecretArn'), 'the rotation function must log in with the database\'s master secret, which may set the alternate role\'s password');
    }
    if (!falsy(r.props.RotateImmediatelyOnUpdate)) {
      ctx.fail(rw('RotateImmediatelyOnUpdate'), 'the first rotation would run when the stack is created, before the migration task has created the login roles; set RotateImmediatelyOnUpdate: false');
    }
    const subnets = commaList(h.VpcSubnetIds);
    const groups = commaList(h.VpcSecurityGroupIds);
    if (!subnets.length || !groups.length) {
      ctx.fail(rw('HostedRotationLambda'), 'the rotation function runs outside the VPC (no VpcSubnetIds or VpcSecurityGroupIds), where it cannot reach the database');
    } else {
      checkSubnets(ctx, subnets, 'private', r.inst, r.id, 'Properties.HostedRotationLambda.VpcSubnetIds', 'rotation function');
      for (const g of groups) {
        if (!isType(g, 'AWS::EC2::SecurityGroup')) {
          ctx.fail(rw('HostedRotationLambda.VpcSecurityGroupIds'), `${text(g)} is not a security group of this deployment`);
          continue;
        }
        const admitted = dbGroups.some((d) => isType(d, 'AWS::EC2::SecurityGroup')
          && ingressRules(d).some((i) => covers(i, 5432) && sameResource(source(i).sg, g)));
        const out = egressRules(g).some((e) => covers(e, 5432) && dbGroups.some((d) => sameResource(d, e.DestinationSecurityGroupId)));
        if (!admitted || !out) {
          ctx.fail(rw('HostedRotationLambda.VpcSecurityGroupIds'), `${g.id} may not reach the database on 5432 (the database group must admit it and it must let 5432 out to it)`);
        }
      }
    }
    const rules = r.props.RotationRules || {};
    const at = cronAt(rules.ScheduleExpression);
    const window = durationMinutes(rules.Duration);
    if (rules.ScheduleExpression === undefined && rules.AutomaticallyAfterDays === undefined) {
      ctx.fail(rw('RotationRules'), `${s.name} login secret has a rotation function but no schedule (RotationRules.ScheduleExpression)`);
      continue;
    }
    if (!at || window === null) {
      ctx.fail(rw('RotationRules'), `the rotation needs a cron(MIN HOUR ...) ScheduleExpression and a Duration in hours, so the tasks can be replaced after each window (have ${text(rules.ScheduleExpression)}, ${text(rules.Duration)})`);
      continue;
    }
    // The service's own redeploy after each rotation window.
    const redeploys = s.inst.ofType('AWS::Scheduler::Schedule').map(([id]) => ({ id, props: s.inst.props(id) }))
      .filter((x) => x.props.Target && /:aws-sdk:ecs:updateService$/.test(String(x.props.Target.Arn))
        && /"ForceNewDeployment": true/.test(String(x.props.Target.Input)));
    if (!redeploys.length) {
      ctx.fail(where(s.inst, s.id), `${s.name} service is never redeployed after a rotation: its tasks would still hold the login the next rotation changes`);
      continue;
    }
    for (const x of redeploys) {
      const xat = cronAt(x.props.ScheduleExpression);
      const tz = x.props.ScheduleExpressionTimezone;
      if (!xat || xat.days !== at.days || xat.minute < at.minute + window || (tz !== undefined && tz !== 'UTC')) {
        ctx.fail(where(s.inst, x.id, 'Properties.ScheduleExpression'),
          `${text(x.props.ScheduleExpression)} (${text(tz)}) is not after each rotation window (${rules.ScheduleExpression} UTC for ${rules.Duration})`);
      }
    }
  }
  // The rotation group opens exactly the contract's rotation flows.
  const outputs = dep.instances.map((inst) => (inst.doc.Outputs || {})[rot.security_group_output]).filter(Boolean);
  if (schedules.length && !outputs.length) ctx.fail('deployment', `no stack outputs ${rot.security_group_output}, the group the rotation functions run in`);
  const endpointGroups = all(dep, 'AWS::EC2::VPCEndpoint').filter((e) => e.props.VpcEndpointType === 'Interface')
    .flatMap((e) => list(e.props.SecurityGroupIds));
  const peers = { database: dbGroups, endpoints: endpointGroups };
  const seen = new Set();
  for (const g of rotationGroups(dep)) {
    if (!isType(g, 'AWS::EC2::SecurityGroup') || seen.has(`${g.inst.name}:${g.id}`)) continue;
    seen.add(`${g.inst.name}:${g.id}`);
    for (const i of ingressRules(g)) ctx.fail(i.where, `${g.id} admits ${describePorts(i)}; the rotation functions take no connections`);
    for (const e of egressRules(g)) {
      const ok = list(ctx.contract.flows && ctx.contract.flows.allow).filter((f) => f.from === 'rotation').some((f) => list(f.ports).some((p) => covers(e, p) && portRange(e)[0] === portRange(e)[1])
        && (peers[f.to] || []).some((d) => sameResource(d, e.DestinationSecurityGroupId)));
      if (!ok) ctx.fail(e.where, `${g.id} may connect to ${describePorts(e)} of ${text(e.DestinationSecurityGroupId !== undefined ? e.DestinationSecurityGroupId : e.CidrIp)}, which no rotation flow of contract.json allows`);
    }
    for (const f of list(ctx.contract.flows && ctx.contract.flows.allow).filter((f) => f.from === 'rotation')) {
      for (const p of list(f.ports)) {
        if (!egressRules(g).some((e) => covers(e, p) && (peers[f.to] || []).some((d) => sameResource(d, e.DestinationSecurityGroupId)))) {
          ctx.fail(where(g.inst, g.id), `${g.id} does not let ${p} out to ${f.to}, which flow ${f.name} of contract.json needs`);
        }
      }
    }
  }
});

// --- names AWS accepts that the schema does not enumerate --------------------

const NAMES = require('./aws-names.json');

function rdsClasses() {
  const out = new Set();
  for (const [family, sizes] of Object.entries(NAMES.rds_postgres_instance_classes)) {
    if (family.startsWith('$')) continue;
    for (const size of sizes) out.add(`db.${family}.${size}`);
  }
  return out;
}

function fargatePairOk(cpu, memory) {
  return (NAMES.fargate_sizes[String(cpu)] || []).includes(Number(memory));
}

// The values a property may take: its own when literal, or every value its
// parameter allows (AllowedValues, else just the Default); null when the
// parameter does not enumerate them.
function possibleValues(inst, id, prop) {
  const node = (inst.resources[id].Properties || {})[prop];
  if (node && typeof node === 'object' && typeof node.Ref === 'string' && node.Ref in inst.params) {
    const def = inst.params[node.Ref];
    if (Array.isArray(def.AllowedValues)) return { param: node.Ref, values: def.AllowedValues.map(String) };
    return { param: node.Ref, values: null, def: def.Default };
  }
  if (node === undefined || (node && typeof node === 'object')) return { param: null, values: null };
  return { param: null, values: [String(node)] };
}

// Evaluates a template Rules section for one assignment of parameter
// values: returns the AssertDescription of the first assertion that
// refuses it, or null when the template accepts it.
function rulesRefuse(doc, values) {
  const ev = (node) => {
    if (Array.isArray(node)) return node.map(ev);
    if (!node || typeof node !== 'object') return node;
    const [key] = Object.keys(node);
    const arg = node[key];
    switch (key) {
      case 'Ref':
        if (!(arg in values)) throw new Error(`Rules: Ref ${arg} is not a parameter the check assigns`);
        return values[arg];
      case 'Fn::Equals': return String(ev(arg[0])) === String(ev(arg[1]));
      case 'Fn::Not': return !ev(arg[0]);
      case 'Fn::And': return arg.every((a) => ev(a));
      case 'Fn::Or': return arg.some((a) => ev(a));
      case 'Fn::Contains': return ev(arg[0]).map(String).includes(String(ev(arg[1])));
      default: throw new Error(`Rules: ${key} is not understood by the validator`);
    }
  };
  for (const r of Object.values(doc.Rules || {})) {
    if (r.RuleCondition !== undefined && !ev(r.RuleCondition)) continue;
    for (const a of list(r.Assertions)) {
      if (!ev(a.Assert)) return a.AssertDescription || 'an assertion';
    }
  }
  return null;
}

rule('listener-priorities', 'the rules of one listener have distinct priorities', (dep, ctx) => {
  for (const l of listeners(dep)) {
    const seen = new Map();
    for (const r of l.rules) {
      const p = String(r.props.Priority);
      if (seen.has(p)) {
        ctx.fail(where(r.inst, r.id, 'Properties.Priority'), `priority ${p} is also ${seen.get(p)}'s on listener ${l.id}; CloudFormation refuses the second rule`);
      } else {
        seen.set(p, r.id);
      }
    }
  }
});

rule('lb-attributes', 'load balancer and target group attribute keys are ones an ALB knows', (dep, ctx) => {
  const check = (type, prop, known) => {
    for (const r of all(dep, type)) {
      list(r.props[prop]).forEach((a, i) => {
        if (!known.includes(String(a && a.Key))) {
          ctx.fail(where(r.inst, r.id, `Properties.${prop}[${i}]`), `${text(a && a.Key)} is not an Application Load Balancer ${type.endsWith('TargetGroup') ? 'target group ' : ''}attribute`);
        }
      });
    }
  };
  check('AWS::ElasticLoadBalancingV2::LoadBalancer', 'LoadBalancerAttributes', NAMES.load_balancer_attributes);
  check('AWS::ElasticLoadBalancingV2::TargetGroup', 'TargetGroupAttributes', NAMES.target_group_attributes);
});

rule('ssl-policy', 'HTTPS listeners name a security policy Elastic Load Balancing has', (dep, ctx) => {
  for (const l of listeners(dep).filter((x) => x.props.Protocol === 'HTTPS')) {
    if (!NAMES.ssl_policies.includes(String(l.props.SslPolicy))) {
      ctx.fail(where(l.inst, l.id, 'Properties.SslPolicy'), `${text(l.props.SslPolicy)} is not an Elastic Load Balancing security policy`);
    }
  }
});

rule('db-instance-class', 'the database class is one RDS for PostgreSQL offers, from a closed list, not burstable by default', (dep, ctx) => {
  const known = rdsClasses();
  for (const db of all(dep, 'AWS::RDS::DBInstance')) {
    const w = where(db.inst, db.id, 'Properties.DBInstanceClass');
    const { param, values } = possibleValues(db.inst, db.id, 'DBInstanceClass');
    if (!values) {
      ctx.fail(w, `DBInstanceClass${param ? ` comes from parameter ${param}, which` : ''} does not list its values; give it AllowedValues`);
      continue;
    }
    for (const v of values) {
      if (!known.has(v)) ctx.fail(param ? `${db.inst.label} Parameters.${param}` : w, `${v} is not an RDS for PostgreSQL instance class`);
    }
    const chosen = String(db.props.DBInstanceClass);
    if (/^db\.t\d/.test(chosen)) ctx.fail(w, `${chosen} is burstable: its CPU credits run out under steady load`);
  }
});

rule('fargate-size', 'every CPU and memory a task may get is a Fargate size; the template Rules refuse the pairs that are not', (dep, ctx) => {
  for (const t of all(dep, 'AWS::ECS::TaskDefinition')) {
    const w = where(t.inst, t.id);
    const cpu = possibleValues(t.inst, t.id, 'Cpu');
    const mem = possibleValues(t.inst, t.id, 'Memory');
    if (!cpu.values || !mem.values) {
      ctx.fail(w, 'Cpu and Memory must be literal or parameters with AllowedValues, so every size can be checked');
      continue;
    }
    const unrefused = [];
    for (const c of cpu.values) {
      for (const m of mem.values) {
        const values = {};
        if (cpu.param) values[cpu.param] = c;
        if (mem.param) values[mem.param] = m;
        const ok = fargatePairOk(c, m);
        if (!cpu.param && !mem.param) {
          if (!ok) ctx.fail(w, `${c} CPU units with ${m} MiB is not a Fargate task size`);
          continue;
        }
        let refused;
        try {
          refused = rulesRefuse(t.inst.doc, values);
        } catch (e) {
          ctx.fail(`${t.inst.label} Rules`, e.message);
          return;
        }
        if (!ok && !refused) unrefused.push(`${c}/${m}`);
        if (ok && refused) ctx.fail(`${t.inst.label} Rules`, `${c} CPU units with ${m} MiB is a Fargate task size, but the rules refuse it ("${refused}")`);
      }
    }
    if (unrefused.length) {
      ctx.fail(`${t.inst.label} Rules`, `the parameters allow CPU/MiB ${unrefused.join(', ')}, which are not Fargate task sizes, and no rule refuses them before the deploy`);
    }
  }
});

// --- the edge: load balancer protection, web ACL, flow logs ------------------

function attributes(props, key) {
  const a = list(props.LoadBalancerAttributes).find((x) => x && x.Key === key);
  return a ? a.Value : undefined;
}

// Every statement inside a WAF statement, itself included.
function wafStatements(st, out = []) {
  if (!st || typeof st !== 'object') return out;
  out.push(st);
  for (const key of ['AndStatement', 'OrStatement']) {
    if (st[key]) list(st[key].Statements).forEach((x) => wafStatements(x, out));
  }
  if (st.NotStatement) wafStatements(st.NotStatement.Statement, out);
  if (st.RateBasedStatement) wafStatements(st.RateBasedStatement.ScopeDownStatement, out);
  return out;
}

function byteMatches(statements, field) {
  return statements.filter((x) => x.ByteMatchStatement && x.ByteMatchStatement.FieldToMatch
    && field in x.ByteMatchStatement.FieldToMatch && x.ByteMatchStatement.PositionalConstraint === 'EXACTLY')
    .map((x) => String(x.ByteMatchStatement.SearchString));
}

rule('load-balancer-protection', 'the load balancer has deletion protection, access logs to a bucket that expires them, and a web ACL with AWS managed rule groups and a per-address limit on password POSTs', (dep, ctx) => {
  const posts = ctx.contract.password_posts.paths;
  for (const lb of all(dep, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const w = where(lb.inst, lb.id);
    if (String(attributes(lb.props, 'deletion_protection.enabled')) !== 'true') {
      ctx.fail(w, 'load balancer has no deletion protection (deletion_protection.enabled)');
    }
    const bucket = attributes(lb.props, 'access_logs.s3.bucket');
    if (String(attributes(lb.props, 'access_logs.s3.enabled')) !== 'true' || !isType(bucket, 'AWS::S3::Bucket')) {
      ctx.fail(w, 'load balancer writes no access logs to a bucket of this deployment');
    } else {
      const rules = list(((bucket.inst.props(bucket.id).LifecycleConfiguration) || {}).Rules);
      if (!rules.some((r) => r.Status === 'Enabled' && Number(r.ExpirationInDays) > 0)) {
        ctx.fail(where(bucket.inst, bucket.id), 'access log bucket keeps logs forever; give it a lifecycle rule with ExpirationInDays');
      }
    }
    const ref = new Sym('ref', lb.inst, lb.id);
    const acls = all(dep, 'AWS::WAFv2::WebACLAssociation').filter((a) => sameResource(a.props.ResourceArn, ref))
      .map((a) => a.props.WebACLArn).filter((x) => isType(x, 'AWS::WAFv2::WebACL'));
    if (!acls.length) {
      ctx.fail(w, 'no web ACL is associated with the load balancer');
      continue;
    }
    const acl = acls[0];
    const aclProps = acl.inst.props(acl.id);
    const aw = where(acl.inst, acl.id);
    const aclRules = list(aclProps.Rules);
    const managed = aclRules.filter((r) => r.Statement && r.Statement.ManagedRuleGroupStatement
      && r.Statement.ManagedRuleGroupStatement.VendorName === 'AWS');
    if (!managed.length) ctx.fail(aw, 'web ACL uses no AWS managed rule group');
    for (const r of managed) {
      if (!r.OverrideAction || !('None' in r.OverrideAction)) {
        ctx.fail(aw, `managed rule group ${r.Name} only counts (OverrideAction is not None)`);
      }
    }
    const limited = aclRules.filter((r) => r.Statement && r.Statement.RateBasedStatement
      && r.Statement.RateBasedStatement.AggregateKeyType === 'IP' && r.Action && 'Block' in r.Action);
    const covers = (r) => {
      const sts = wafStatements(r.Statement.RateBasedStatement.ScopeDownStatement);
      const methods = byteMatches(sts, 'Method');
      const paths = byteMatches(sts, 'UriPath');
      return methods.includes('POST') && posts.every((p) => paths.includes(p));
    };
    if (!limited.some(covers)) {
      ctx.fail(aw, `no blocking per-address rate rule covers POST ${posts.join(' and POST ')}`);
    }
  }
});

rule('flow-logs', 'every VPC logs its traffic (a flow log on the VPC)', (dep, ctx) => {
  for (const vpc of all(dep, 'AWS::EC2::VPC')) {
    const ref = new Sym('ref', vpc.inst, vpc.id);
    const logs = all(dep, 'AWS::EC2::FlowLog').filter((f) => sameResource(f.props.ResourceId, ref));
    if (!logs.length) ctx.fail(where(vpc.inst, vpc.id), 'VPC has no flow log');
    for (const f of logs) {
      if (f.props.TrafficType !== 'ALL') ctx.fail(where(f.inst, f.id, 'Properties.TrafficType'), `flow log records ${text(f.props.TrafficType)} traffic, not ALL`);
    }
  }
});

// --- the network boundary -----------------------------------------------------

function egressRules(sg) {
  const rules = [];
  list(sg.inst.props(sg.id).SecurityGroupEgress).forEach((r, i) => {
    rules.push({ ...r, where: where(sg.inst, sg.id, `Properties.SecurityGroupEgress[${i}]`) });
  });
  for (const inst of sg.inst.deployment.instances) {
    for (const [id] of inst.ofType('AWS::EC2::SecurityGroupEgress')) {
      const r = inst.props(id);
      if (sameResource(r.GroupId, sg)) rules.push({ ...r, where: where(inst, id) });
    }
  }
  return rules;
}

rule('task-egress', 'task groups open connections only to the interface endpoints and S3 on 443 and to the database on 5432', (dep, ctx) => {
  const endpoints = all(dep, 'AWS::EC2::VPCEndpoint');
  const endpointGroups = endpoints.filter((e) => e.props.VpcEndpointType === 'Interface')
    .flatMap((e) => list(e.props.SecurityGroupIds));
  const dbGroups = all(dep, 'AWS::RDS::DBInstance').flatMap((d) => list(d.props.VPCSecurityGroups));
  const seen = new Set();
  for (const sg of taskGroups(dep, ctx)) {
    if (!isType(sg, 'AWS::EC2::SecurityGroup')) continue;
    const key = `${sg.inst.name}:${sg.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const rules = egressRules(sg);
    if (!rules.length) ctx.fail(where(sg.inst, sg.id), `${sg.id} keeps the default egress to anywhere`);
    for (const r of rules) {
      const port = portRange(r);
      const to443 = port && port[0] === 443 && port[1] === 443;
      const to5432 = port && port[0] === 5432 && port[1] === 5432;
      const toEndpoints = to443 && endpointGroups.some((g) => sameResource(g, r.DestinationSecurityGroupId));
      const toS3 = to443 && r.DestinationPrefixListId !== undefined && r.CidrIp === undefined;
      const toDb = to5432 && dbGroups.some((g) => sameResource(g, r.DestinationSecurityGroupId));
      if (!(toEndpoints || toS3 || toDb)) {
        const dest = r.DestinationSecurityGroupId !== undefined ? `security group ${text(r.DestinationSecurityGroupId)}`
          : r.DestinationPrefixListId !== undefined ? `prefix list ${text(r.DestinationPrefixListId)}`
            : text(r.CidrIp !== undefined ? r.CidrIp : r.CidrIpv6);
        ctx.fail(r.where, `${sg.id} may connect to ${describePorts(r)} of ${dest}; only the endpoints and S3 on 443 and the database on 5432`);
      }
    }
  }
});

// --- the allowed flows: ecs/contract.json's flows, security group by group --

// The groups of the contract's flows that are security groups here, each
// with the groups of the deployment it stands for.
function flowGroups(dep, ctx) {
  const interfaceEndpoints = all(dep, 'AWS::EC2::VPCEndpoint').filter((e) => e.props.VpcEndpointType === 'Interface');
  const migrate = [];
  for (const inst of dep.instances) {
    const out = (inst.doc.Outputs || {}).MigrateTaskSecurityGroup;
    if (out && (!out.Condition || inst.condition(out.Condition))) migrate.push(inst.eval(out.Value));
  }
  const groups = {
    alb: loadBalancerGroups(dep),
    task: services(dep, ctx).flatMap((s) => list(s.props.NetworkConfiguration
      && s.props.NetworkConfiguration.AwsvpcConfiguration
      && s.props.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups)),
    migrate,
    database: all(dep, 'AWS::RDS::DBInstance').flatMap((d) => list(d.props.VPCSecurityGroups)),
    endpoints: interfaceEndpoints.flatMap((e) => list(e.props.SecurityGroupIds)),
    rotation: rotationGroups(dep),
  };
  for (const k of Object.keys(groups)) groups[k] = groups[k].filter((g) => isType(g, 'AWS::EC2::SecurityGroup'));
  return groups;
}

function groupName(groups, sg) {
  return Object.keys(groups).find((k) => groups[k].some((g) => sameResource(g, sg))) || null;
}

// The contract group a rule's peer (its source, or its destination for an
// egress rule) belongs to, or a description of a peer no group covers.
function peerGroup(dep, groups, rule, egress) {
  const cidr = egress ? (rule.CidrIp !== undefined ? rule.CidrIp : rule.CidrIpv6) : source(rule).cidr;
  const sg = egress ? rule.DestinationSecurityGroupId : source(rule).sg;
  const prefixList = egress ? rule.DestinationPrefixListId : source(rule).prefixList;
  if (cidr !== undefined) {
    if (cidr === '0.0.0.0/0' || cidr === '::/0') return { group: 'internet' };
    if (isVpcCidr(dep, cidr)) return { group: 'vpc' };
    return { other: String(cidr) };
  }
  if (sg !== undefined) {
    const g = groupName(groups, sg);
    return g ? { group: g } : { other: `security group ${text(sg)}` };
  }
  if (prefixList !== undefined) return { group: 's3' };
  return { other: 'an unknown peer' };
}

// CloudFormation's stand-in for "no egress at all": a rule no packet matches.
function matchesNothing(rule) {
  return String(rule.IpProtocol) === 'icmp' && rule.CidrIp === '255.255.255.255/32';
}

function awsFlows(contract) {
  return list(contract.flows && contract.flows.allow).filter((f) => list(f.where).includes('aws'));
}

function flowAllows(flows, from, to, port) {
  return flows.find((f) => f.from === from && f.to === to && list(f.ports).includes(port));
}

rule('sg-flows', 'every security group rule is a flow of ecs/contract.json marked aws, and every such flow has its ingress and egress rules', (dep, ctx) => {
  const flows = awsFlows(ctx.contract);
  if (!flows.length) {
    ctx.fail('contract.json', 'flows.allow lists no flow marked aws');
    return;
  }
  const groups = flowGroups(dep, ctx);
  const seen = new Set();
  const check = (g, sg) => {
    const key = `${sg.inst.name}:${sg.id}`;
    if (seen.has(key)) return;
    seen.add(key);
    for (const [egress, rules] of [[false, ingressRules(sg)], [true, egressRules(sg)]]) {
      for (const r of rules) {
        if (egress && matchesNothing(r)) continue;
        const peer = peerGroup(dep, groups, r, egress);
        const range = portRange(r);
        const what = egress ? `connect to ${describePorts(r)} of` : `admit ${describePorts(r)} from`;
        if (!range || peer.other) {
          ctx.fail(r.where, `${sg.id} may ${what} ${peer.other || peer.group}, which no flow of contract.json allows`);
          continue;
        }
        if (range[1] - range[0] > 64) {
          ctx.fail(r.where, `${sg.id} may ${what} ${peer.group}; contract.json's flows name single ports`);
          continue;
        }
        for (let port = range[0]; port <= range[1]; port++) {
          const [from, to] = egress ? [g, peer.group] : [peer.group, g];
          if (!flowAllows(flows, from, to, port)) {
            ctx.fail(r.where, `${sg.id} may ${what} ${peer.group}: no flow of contract.json allows ${from} -> ${to} on ${port}`);
          }
        }
      }
    }
  };
  for (const g of Object.keys(groups)) for (const sg of groups[g]) check(g, sg);
  // Every flow, in both groups it joins: the destination admits it (a rule
  // from the VPC's CIDR admits any group inside it) and a source that is a
  // group lets it out.
  const inside = new Set(['alb', 'task', 'migrate', 'database', 'endpoints', 'vpc', 'monitoring', 'rotation']);
  for (const f of flows) {
    for (const port of list(f.ports)) {
      for (const sg of groups[f.to] || []) {
        const ok = ingressRules(sg).some((r) => {
          const peer = peerGroup(dep, groups, r, false);
          return covers(r, port) && (peer.group === f.from || (peer.group === 'vpc' && inside.has(f.from)));
        });
        if (!ok) ctx.fail(where(sg.inst, sg.id), `${sg.id} does not admit ${port} from ${f.from}, which flow ${f.name} of contract.json allows`);
      }
      for (const sg of groups[f.from] || []) {
        const ok = egressRules(sg).some((r) => covers(r, port) && peerGroup(dep, groups, r, true).group === f.to);
        if (!ok) ctx.fail(where(sg.inst, sg.id), `${sg.id} does not let ${port} out to ${f.to}, which flow ${f.name} of contract.json allows`);
      }
    }
  }
});

function isAccountToken(v) {
  return v === '«AWS::AccountId»';
}

rule('endpoint-policies', 'interface endpoints serve this account only; the S3 gateway reads ECR\'s layer bucket only', (dep, ctx) => {
  for (const e of all(dep, 'AWS::EC2::VPCEndpoint')) {
    const w = where(e.inst, e.id, 'Properties.PolicyDocument');
    const doc = e.props.PolicyDocument;
    if (!doc) {
      ctx.fail(w, 'endpoint has no policy, so it lets any principal reach any resource');
      continue;
    }
    const allows = list(doc.Statement).filter((st) => st.Effect === 'Allow');
    for (const st of allows) {
      if (e.props.VpcEndpointType === 'Gateway') {
        const ok = list(st.Resource).length && list(st.Resource).every((r) => /:s3:::prod-.*-starport-layer-bucket\/\*$/.test(String(r)));
        const actions = list(st.Action).map(String);
        if (!ok || actions.some((a) => a !== 's3:GetObject')) {
          ctx.fail(w, `S3 gateway endpoint allows ${actions.join(', ')} on ${list(st.Resource).map(String).join(', ')}; only s3:GetObject on ECR's layer bucket`);
        }
      } else {
        const eq = (st.Condition || {}).StringEquals || {};
        if (!isAccountToken(eq['aws:PrincipalAccount']) && !isAccountToken(eq['aws:ResourceAccount'])) {
          ctx.fail(w, 'interface endpoint allows principals of any account (no aws:PrincipalAccount condition)');
        }
      }
    }
  }
});

module.exports = { RULES };
