package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.parley.it.web.Browser;
import org.parley.it.web.TcpProxy;

/**
 * The browser client in Debian's Chromium against a real node: people sign in, chat both ways
 * with ticks turning blue, in a group of three, with a photo; history survives a reload; a
 * network drop shows a banner and resyncs; markup in a message is only ever text.
 */
class WebIT {
    private TestNode node;
    private final List<AutoCloseable> open = new java.util.ArrayList<>();

    @BeforeEach
    void start() {
        node = TestNode.start(TestNode.Store.SQLITE);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
        node.close();
    }

    private Browser browser(String name) throws Exception {
        Browser b = Browser.open(name);
        open.add(b);
        return b;
    }

    /** A browser of its own, signed in through the page as {@code who} (via {@code base}). */
    private Browser signedIn(String name, TestNode.Device who, String base) throws Exception {
        Browser b = browser(name);
        signIn(b, base, who.phone());
        return b;
    }

    private String base() {
        return node.uri().toString() + "/";
    }

    /** Signs in through the page, as a person would, with the development code it shows. */
    private static void signIn(Browser b, String base, String phone) {
        b.go(base);
        b.find("#phone").sendKeys(phone);
        b.find("#request-code").click();
        String shown = b.await("the development code", d -> {
            String text = d.findElement(By.cssSelector("#dev-code")).getText();
            return text.matches("(?s).*\\d{6}.*") ? text : null;
        });
        Matcher m = Pattern.compile("\\d{6}").matcher(shown);
        assertThat(m.find()).isTrue();
        b.screenshot("sign-in");
        b.find("#code").sendKeys(m.group());
        b.find("#sign-in").click();
        b.find("#new-chat");
    }

    private static void openChatWith(Browser b, String phone) {
        b.find("#new-chat").click();
        b.find("#new-chat-phone").sendKeys(phone);
        b.find("#new-chat-start").click();
        b.find("#conversation");
    }

    private static void send(Browser b, String text) {
        WebElement composer = b.find("#composer");
        composer.sendKeys(text);
        b.find("#send").click();
    }

    private static WebElement message(Browser b, String text) {
        return b.await("message " + text, d -> d.findElements(By.cssSelector("#conversation [data-testid=message]")).stream()
                .filter(e -> e.findElements(By.cssSelector(".text")).stream().anyMatch(t -> t.getText().equals(text))).findFirst().orElse(null));
    }

    private static void openChat(Browser b, String title) {
        b.await("chat " + title, d -> d.findElements(By.cssSelector("[data-testid=chat-item]")).stream()
                .filter(e -> e.findElement(By.cssSelector(".title")).getText().equals(title)).findFirst().orElse(null)).click();
        b.find("#conversation");
    }

    private static String status(WebElement message) {
        return message.findElement(By.cssSelector(".ticks")).getDomAttribute("data-status");
    }

    @Test
    void twoPeopleChatBothWaysAndTheTicksTurnBlue() throws Exception {
        var ana = node.signUp("Ana");
        var ben = node.signUp("Ben");
        Browser a = signedIn("ana", ana, base()), b = signedIn("ben", ben, base());

        openChatWith(a, ben.phone());
        assertThat(a.find("#chat-title").getText()).isEqualTo("Ben");
        send(a, "Hello Ben, lunch at one?");
        WebElement mine = message(a, "Hello Ben, lunch at one?");
        a.await("delivered to ben's open page", d -> List.of("delivered", "read").contains(status(mine)) ? true : null);

        b.await("ana's chat in ben's list", d -> d.findElements(By.cssSelector("[data-testid=chat-item] .preview")).stream()
                .anyMatch(e -> e.getText().contains("lunch at one")) ? true : null);
        b.screenshot("chat-list-unread");
        openChat(b, "Ana");
        message(b, "Hello Ben, lunch at one?");
        a.await("blue ticks once ben read it", d -> "read".equals(status(mine)) ? true : null);

        send(b, "Sure, see you there");
        message(a, "Sure, see you there");
        a.await("ben online in the header", d -> d.findElement(By.cssSelector("#peer-status")).getText().contains("online") ? true : null);
        a.screenshot("conversation");
        b.screenshot("conversation");

        a.find("#settings").click();
        a.find("#settings-panel");
        a.await("own name in settings", d -> "Ana".equals(d.findElement(By.cssSelector("#profile-name")).getDomProperty("value")) ? true : null);
        Thread.sleep(600); // the panel slides in
        a.screenshot("settings");
    }

    @Test
    void aGroupOfThree() throws Exception {
        var ana = node.signUp("Ana");
        var ben = node.signUp("Ben");
        var cleo = node.signUp("Cleo");
        Browser a = signedIn("ana", ana, base()), b = signedIn("ben", ben, base()), c = signedIn("cleo", cleo, base());

        a.find("#new-group").click();
        a.find("#group-title").sendKeys("Weekend trip");
        a.find("#group-members").sendKeys(ben.phone() + ", " + cleo.phone());
        a.find("#group-create").click();
        a.find("#conversation");
        send(a, "Who is in for Saturday?");

        openChat(b, "Weekend trip");
        message(b, "Who is in for Saturday?");
        openChat(c, "Weekend trip");
        message(c, "Who is in for Saturday?");
        send(c, "Count me in!");
        WebElement fromCleo = message(a, "Count me in!");
        assertThat(fromCleo.getText()).as("sender named in a group").contains("Cleo");
        message(b, "Count me in!");
        a.await("read by both", d -> "read".equals(status(message(a, "Who is in for Saturday?"))) ? true : null);
        a.screenshot("group");
    }

    @Test
    void aPhotoIsSentAndShownOnTheOtherSide() throws Exception {
        var ana = node.signUp("Ana");
        var ben = node.signUp("Ben");
        Path photo = Files.createTempFile("beach", ".png");
        photo.toFile().deleteOnExit();
        BufferedImage image = new BufferedImage(320, 200, BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setPaint(new java.awt.GradientPaint(0, 0, java.awt.Color.ORANGE, 320, 200, java.awt.Color.BLUE));
        g.fillRect(0, 0, 320, 200);
        g.dispose();
        javax.imageio.ImageIO.write(image, "png", photo.toFile());

        Browser a = signedIn("ana", ana, base()), b = signedIn("ben", ben, base());
        openChatWith(a, ben.phone());
        a.find("#attach").sendKeys(photo.toString());
        a.find("#media-caption").sendKeys("Beach day");
        a.find("#media-send").click();
        message(a, "Beach day");

        openChat(b, "Ana");
        WebElement shown = b.await("the photo, loaded", d -> d.findElements(By.cssSelector("#conversation img[data-testid=media-image]")).stream()
                .filter(img -> Boolean.TRUE.equals(b.script("return arguments[0].complete && arguments[0].naturalWidth > 0", img)))
                .findFirst().orElse(null));
        assertThat(shown.isDisplayed()).isTrue();
        message(b, "Beach day");
        b.screenshot("photo");
    }

    @Test
    void historySurvivesAReloadAndMarkupIsOnlyText() throws Exception {
        var ana = node.signUp("Ana");
        var ben = node.signUp("Ben");
        Browser a = signedIn("ana", ana, base()), b = signedIn("ben", ben, base());
        openChatWith(a, ben.phone());
        String attack = "<img src=x onerror=alert(1)>";
        send(a, "first");
        send(a, attack);
        message(a, attack);

        openChat(b, "Ana");
        WebElement shown = message(b, attack);
        assertThat(shown.findElements(By.tagName("img"))).as("no element made from the text").isEmpty();
        assertThat(b.script("return window.__xss === undefined")).isEqualTo(true);
        assertNoAlert(b);

        b.driver().navigate().refresh();
        openChat(b, "Ana");
        message(b, "first");
        message(b, attack);
        assertNoAlert(b);
    }

    private static void assertNoAlert(Browser b) {
        try {
            b.driver().switchTo().alert();
            throw new AssertionError("a script ran: an alert is open");
        } catch (NoAlertPresentException expected) {
            // nothing ran
        }
    }

    @Test
    void goingOfflineShowsABannerAndComingBackResyncsWithoutAReload() throws Exception {
        var ana = node.signUp("Ana");
        var ben = node.signUp("Ben");
        TcpProxy network = new TcpProxy(node.port());
        open.add(network);
        String bensWay = "http://127.0.0.1:" + network.port() + "/";
        Browser a = signedIn("ana", ana, base()), b = signedIn("ben", ben, bensWay);
        openChatWith(a, ben.phone());
        send(a, "are you there?");
        openChat(b, "Ana");
        message(b, "are you there?");

        network.cut();
        b.await("the connecting banner", d -> d.findElement(By.cssSelector("#connection-banner")).isDisplayed() ? true : null);
        b.screenshot("offline");
        send(a, "sent while you were offline");
        send(b, "written offline 1");
        send(b, "written offline 2");
        message(b, "written offline 2");

        network.restore();
        b.await("banner gone", java.time.Duration.ofSeconds(40),
                d -> !d.findElement(By.cssSelector("#connection-banner")).isDisplayed() ? true : null);
        message(b, "sent while you were offline");
        message(a, "written offline 1");
        message(a, "written offline 2");
        Thread.sleep(1_500);
        List<String> texts = a.all("#conversation [data-testid=message] .text").stream().map(WebElement::getText).toList();
        assertThat(texts).as("each queued send went out once, in order")
                .containsSubsequence("written offline 1", "written offline 2")
                .filteredOn(t -> t.startsWith("written offline")).hasSize(2);
        assertThat(ana.rest().messages(ana.rest().chats().chats().get(0).chatId(), null, null, null).messages())
                .filteredOn(m -> m.text() != null && m.text().startsWith("written offline")).hasSize(2);
    }

    /** At phone width one pane shows at a time, with a way back; the dark theme follows the system. */
    @Test
    void onAPhoneOnePaneAtATimeAndDarkWhenTheSystemIs() throws Exception {
        var ana = node.signUp("Ana");
        var ben = node.signUp("Ben");
        ben.rest().send(ben.rest().openDirect(ana.userId()).chatId(), "ping-1", "Are we still on for tonight? 🎉", null);
        Browser phone = Browser.open("phone", 390, 844);
        open.add(phone);
        ((org.openqa.selenium.chrome.ChromeDriver) phone.driver()).executeCdpCommand("Emulation.setEmulatedMedia",
                java.util.Map.of("features", List.of(java.util.Map.of("name", "prefers-color-scheme", "value", "dark"))));
        signIn(phone, base(), ana.phone());
        phone.screenshot("dark-chat-list");
        String background = (String) phone.script("return getComputedStyle(document.body).backgroundColor");
        assertThat(luminance(background)).as("dark background: " + background).isLessThan(0.3);

        openChat(phone, "Ben");
        message(phone, "Are we still on for tonight? 🎉");
        assertThat(phone.find("#new-chat").isDisplayed()).as("the list is hidden behind the conversation").isFalse();
        phone.screenshot("dark-conversation");
        phone.find("#back").click();
        phone.await("the list again", d -> d.findElement(By.cssSelector("#new-chat")).isDisplayed() ? true : null);
    }

    /** Relative luminance (0 black .. 1 white) of a CSS rgb()/rgba() colour. */
    private static double luminance(String css) {
        Matcher m = Pattern.compile("rgba?\\((\\d+),\\s*(\\d+),\\s*(\\d+)").matcher(css);
        if (!m.find()) return 1;
        return (0.2126 * Integer.parseInt(m.group(1)) + 0.7152 * Integer.parseInt(m.group(2)) + 0.0722 * Integer.parseInt(m.group(3))) / 255;
    }
}
