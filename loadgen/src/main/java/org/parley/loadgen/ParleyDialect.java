package org.parley.loadgen;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** Parley's own protocol: REST to set up, JSON frames on {@code /v1/ws}. */
final class ParleyDialect implements Dialect {
    private final Accounts accounts;
    private final List<Accounts.User> users = new ArrayList<>();

    ParleyDialect(URI base) {
        this.accounts = new Accounts(base);
    }

    @Override
    public void signUp(int n) throws Exception {
        users.addAll(accounts.signUp(n));
    }

    @Override
    public String openDirect(int from, int to) throws Exception {
        return accounts.openDirect(users.get(from), users.get(to));
    }

    @Override
    public String createGroup(List<Integer> members, String title) throws Exception {
        List<Accounts.User> list = members.stream().map(users::get).toList();
        return accounts.createGroup(list.get(0), list, title);
    }

    @Override
    public Peer peer(int index, List<String> groups) {
        return new Conn(users.get(index), index); // the first sync brings every chat along
    }

    @Override
    public String sendFrame(String chatId, boolean group, long n, long due) {
        return "{\"type\":\"send\",\"chatId\":\"" + chatId + "\",\"clientMsgId\":\"b" + n + "-" + due + "\",\"text\":\"" + due + "\"}";
    }

    @Override
    public Incoming parse(Peer to, String frame) {
        if (Frames.is(frame, "message")) {
            String text = Frames.string(frame, "text");
            long due = text == null || text.isEmpty() || !Character.isDigit(text.charAt(0)) ? -1 : Long.parseLong(text); // else a system message
            return new Incoming(Kind.MESSAGE, Frames.string(frame, "chatId"), null, Frames.number(frame, "seq"), due, true);
        }
        if (Frames.is(frame, "ack")) {
            String id = Frames.string(frame, "clientMsgId");
            return Incoming.ack(id == null ? -1 : Long.parseLong(id.substring(id.indexOf('-') + 1)));
        }
        return Frames.is(frame, "error") ? Incoming.ERROR : Incoming.OTHER;
    }

    @Override
    public String deliveredFrame(String chatId, long upTo) {
        return "{\"type\":\"delivered\",\"chatId\":\"" + chatId + "\",\"upToSeq\":" + upTo + "}";
    }

    @Override
    public boolean acksSends(boolean group) {
        return true;
    }
}
