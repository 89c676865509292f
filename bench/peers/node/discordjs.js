// A minimal Discord bot on discord.js for bench/peers/compare.py (issue 15): registers the
// guild slash command /ps host:…, answers it as wagbot does: defer, one GET /api/containers on
// the WAGMIOS simulator, then edit the original response with a short list. Bench-only; the
// REST base points at the Discord simulator (the gateway URL comes from its GET /gateway/bot).
'use strict';

const { Client, Events, GatewayIntentBits, ApplicationCommandOptionType } = require('discord.js');
const { psText } = require('./wagmios');

const guild = process.env.PEER_DISCORD_GUILD;
const client = new Client({
  intents: [GatewayIntentBits.Guilds],
  rest: { api: process.env.PEER_DISCORD_API_ROOT },
});

client.once(Events.ClientReady, async (c) => {
  await c.application.commands.set([{
    name: 'ps', description: 'List the containers of a host',
    options: [{ type: ApplicationCommandOptionType.String, name: 'host', description: 'WAGMIOS host', required: true }],
  }], guild);
});

client.on(Events.InteractionCreate, async (interaction) => {
  if (!interaction.isChatInputCommand() || interaction.commandName !== 'ps') return;
  await interaction.deferReply();
  await interaction.editReply(await psText());
});

process.on('SIGTERM', () => { client.destroy().finally(() => process.exit(0)); });
client.login(process.env.PEER_DISCORD_TOKEN);
