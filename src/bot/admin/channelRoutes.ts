import type { Response } from 'restify';
import { z } from 'zod';
import type { ChannelService } from '../../channels';
import { sendJson } from '../httpJson';
import { type AdminApi, pathParams } from './adminApi';

const name = z.string().trim().min(1, 'name is required').max(64, 'name is at most 64 characters');
const department = z.string().trim().min(1, 'department is required').max(64, 'department is at most 64 characters');
const userIds = z.array(pathParams.userId).min(1, 'userIds needs at least one WeCom user id').max(500, 'at most 500 user ids at a time');

const createBody = z.object({
  name,
  department,
  openKfId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'openKfId must be a kf account id (wk…)').optional(),
  agents: userIds.optional(),
}).strict();
const updateBody = z.object({ name: name.optional(), department: department.optional() }).strict()
  .refine((b) => b.name !== undefined || b.department !== undefined, 'give name, department or both');
const agentsBody = z.object({ userIds }).strict();
const buttonQuery = z.object({ label: z.string().trim().min(1).max(40, 'label is at most 40 characters').optional() }).strict();

const base = '/admin/v1/corps/:corpId/channels';
const one = `${base}/:channelId`;

/** Channels: CRUD, agents, and the chat link with its QR codes and message button. */
export function registerChannelRoutes(api: AdminApi, channels: () => Promise<ChannelService>): void {
  api.route({
    method: 'GET', path: base, tag: 'channels', summary: 'The organisation\'s channels',
    handler: async ({ res, params }) => sendJson(res, 200, { channels: await (await channels()).list(params.corpId) }),
  });

  api.route({
    method: 'POST', path: base, tag: 'channels', body: createBody, success: { status: 201 },
    summary: 'Create a channel: a name, the department that handles its chats, an authorised CSA (openKfId; absent: a new CSA is created) and optionally agents',
    handler: async ({ res, params, body }) => sendJson(res, 201, await (await channels()).create({ corpId: params.corpId, ...body })),
  });

  api.route({
    method: 'GET', path: one, tag: 'channels', summary: 'One channel',
    handler: async ({ res, params }) => sendJson(res, 200, await (await channels()).get(params.corpId, params.channelId)),
  });

  api.route({
    method: 'PATCH', path: one, tag: 'channels', body: updateBody, summary: 'Rename a channel or change its department',
    handler: async ({ res, params, body }) => sendJson(res, 200, await (await channels()).update(params.corpId, params.channelId, body)),
  });

  api.route({
    method: 'DELETE', path: one, tag: 'channels', success: { status: 204 },
    summary: 'Delete a channel: its agents stop serving the CSA and leave the licence count',
    handler: async ({ res, params }) => {
      await (await channels()).delete(params.corpId, params.channelId);
      res.statusCode = 204;
      res.end();
    },
  });

  api.route({
    method: 'GET', path: `${one}/agents`, tag: 'agents',
    summary: 'The channel\'s agents as WeCom sees them (kf/servicer/list): receiving or not, and servicers added in WeCom itself (assigned: false)',
    handler: async ({ res, params }) => sendJson(res, 200, { agents: await (await channels()).agentStatus(params.corpId, params.channelId) }),
  });

  api.route({
    method: 'POST', path: `${one}/agents`, tag: 'agents', body: agentsBody,
    summary: 'Assign agents (WeCom user ids): they become the CSA\'s servicers; each user\'s result is listed (ok, or WeCom\'s errcode)',
    handler: async ({ res, params, body }) => sendJson(res, 200, await (await channels()).assignAgents(params.corpId, params.channelId, body.userIds)),
  });

  api.route({
    method: 'DELETE', path: `${one}/agents/:userId`, tag: 'agents',
    summary: 'Unassign one agent: kf/servicer/del, and the licence count drops when no other channel has them',
    handler: async ({ res, params }) => sendJson(res, 200, await (await channels()).unassignAgents(params.corpId, params.channelId, [params.userId])),
  });

  api.route({
    method: 'GET', path: `${one}/link`, tag: 'links', summary: 'The customer-facing chat link (kf/add_contact_way, the channel id as scene)',
    handler: async ({ res, params }) => sendJson(res, 200, { url: await (await channels()).chatLink(params.corpId, params.channelId) }),
  });

  api.route({
    method: 'GET', path: `${one}/qr.png`, tag: 'links', success: { status: 200, contentType: 'image/png' }, summary: 'The chat link\'s QR code as PNG',
    handler: async ({ res, params }) => sendBytes(res, 'image/png', await (await channels()).qrPng(params.corpId, params.channelId)),
  });

  api.route({
    method: 'GET', path: `${one}/qr.svg`, tag: 'links', success: { status: 200, contentType: 'image/svg+xml' }, summary: 'The chat link\'s QR code as SVG',
    handler: async ({ res, params }) => sendBytes(res, 'image/svg+xml; charset=utf-8', Buffer.from(await (await channels()).qrSvg(params.corpId, params.channelId))),
  });

  api.route({
    method: 'GET', path: `${one}/button.html`, tag: 'links', query: buttonQuery, success: { status: 200, contentType: 'text/html' },
    summary: 'An embeddable message button (HTML snippet with inline styles, no external assets) that opens the chat link',
    handler: async ({ res, params, query }) => sendBytes(res, 'text/html; charset=utf-8', Buffer.from(await (await channels()).buttonHtml(params.corpId, params.channelId, query.label))),
  });
}

function sendBytes(res: Response, contentType: string, bytes: Buffer): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', bytes.length);
  res.end(bytes);
}
