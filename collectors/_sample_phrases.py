"""Sentence bank for the sample generator, written for Koe (not taken from any dataset).

``{b}`` is replaced by a brand term. Sentences stay brand-neutral (no product category)
so any configured brand reads plausibly.
"""

from __future__ import annotations

TOPICS = ("quality", "price", "support", "delivery", "app", "billing")
SENTIMENTS = ("positive", "neutral", "negative")

Bank = dict[str, dict[str, tuple[str, ...]]]

EN: Bank = {
    "quality": {
        "positive": (
            "Honestly {b} just keeps getting better. Quality is spot on every single time.",
            "Tried {b} for the first time today and wow, I get the hype now.",
            "Third order from {b} this month. Consistent quality, zero complaints.",
            "{b} is the only one I trust to be the same every time.",
            "Whoever does quality control at {b} deserves a raise.",
        ),
        "neutral": (
            "Has anyone compared {b} with the other big names? Curious how they stack up.",
            "{b} is fine. Not amazing, not bad, just fine.",
            "Picked up something from {b} on the way home, will report back.",
            "Is it just me or did {b} change something recently?",
            "Saw {b} mentioned in a newsletter this morning, might give it a go.",
        ),
        "negative": (
            "Not sure what happened to {b} but the quality has really slipped lately.",
            "Second time this week {b} got it wrong. Getting tired of this.",
            "{b} used to be my go-to. The last few times were a letdown.",
            "Opened my {b} order and half of it was damaged. Not great.",
            "Expected a lot more from {b} for what they charge, honestly.",
        ),
    },
    "price": {
        "positive": (
            "{b} has a deal on this week and it's genuinely good value.",
            "For the quality you get, {b} is really fairly priced.",
            "Loyalty points from {b} just paid for my whole order. Love it.",
            "Switched to {b} to save money and the quality is even better.",
        ),
        "neutral": (
            "Did {b} raise prices again or am I misremembering?",
            "Anyone know if {b} does student discounts?",
            "{b} prices seem about the same as everyone else's now.",
            "Comparing {b} and a couple of others on price before I commit.",
        ),
        "negative": (
            "{b} raised prices AGAIN. This is the third time this year.",
            "Paying premium prices at {b} for something that's average at best.",
            "The new {b} pricing is a joke. Shrinkflation at its finest.",
            "Can't justify what {b} costs anymore, sorry.",
        ),
    },
    "support": {
        "positive": (
            "Shoutout to the {b} support team, sorted my issue in five minutes.",
            "Had a problem with my order and {b} fixed it without any fuss. That's how it's done.",
            "{b} customer service actually called me back. Impressed.",
            "The person in the {b} chat was so patient with me. Thank you!",
        ),
        "neutral": (
            "What's the best way to reach {b} support? Chat or email?",
            "Waiting to hear back from {b} about a question on my account.",
            "Does {b} have a phone line or is it chat only?",
            "Sent {b} a message about my order, let's see how quickly they reply.",
        ),
        "negative": (
            "Been on hold with {b} for 45 minutes. Still nothing.",
            "{b} support closed my ticket without fixing anything. Unbelievable.",
            "Three emails to {b} and not a single real answer, just templates.",
            "The {b} chatbot keeps sending me in circles. Let me talk to a human!",
        ),
    },
    "delivery": {
        "positive": (
            "{b} delivered a day early, nicely packed too.",
            "Ordered from {b} last night and it was here by lunch. Fast!",
            "Tracking from {b} was accurate to the minute. Small thing but I appreciate it.",
            "The {b} courier was super friendly and careful with the box.",
        ),
        "neutral": (
            "My {b} order says out for delivery, fingers crossed.",
            "How long does {b} usually take to ship overseas?",
            "Does {b} deliver on weekends? Can't find it on the site.",
            "Changed my {b} delivery address, hope it goes through.",
        ),
        "negative": (
            "My {b} order is a week late and tracking hasn't moved in days.",
            "{b} marked my package as delivered. It was not delivered.",
            "Another delayed delivery from {b}. Third time this month.",
            "{b} shipping used to be reliable, now it's a lottery.",
        ),
    },
    "app": {
        "positive": (
            "The new {b} app is so much smoother, reordering takes two taps.",
            "Really like the redesign of the {b} app, much easier to find things.",
            "{b} app remembered my usual order. Tiny thing, big convenience.",
            "Mobile ordering with {b} saves me so much time in the morning.",
        ),
        "neutral": (
            "Is the {b} app down for anyone else or just me?",
            "{b} app updated overnight, still figuring out where everything went.",
            "Does the {b} app work with Apple Pay yet?",
            "Trying out the {b} app instead of the website this time.",
        ),
        "negative": (
            "The {b} app logs me out every single time I open it.",
            "{b} app crashed right at checkout. Twice.",
            "Whoever designed the new {b} app has never used it. Everything is buried.",
            "Can't even log in to the {b} app since yesterday. Useless.",
        ),
    },
    "billing": {
        "positive": (
            "Got a refund from {b} within a day, no questions asked.",
            "{b} noticed they double-charged me and refunded it before I even asked.",
            "Cancelling my {b} subscription was painless. Respect.",
            "Clear receipts and no hidden fees at {b}. Refreshing.",
        ),
        "neutral": (
            "When does {b} usually bill for the monthly plan?",
            "Does {b} accept PayPal? Asking before I order.",
            "Updating my card details on {b}, hope nothing breaks.",
            "Checking my statement to see when {b} charged me.",
        ),
        "negative": (
            "{b} charged me twice for the same order and support won't refund it.",
            "Still waiting on my {b} refund from three weeks ago.",
            "{b} renewed my subscription after I cancelled it. Not okay.",
            "Hidden fees at checkout with {b}. Won't be ordering again.",
        ),
    },
}

JA: Bank = {
    "quality": {
        "positive": (
            "{b}、やっぱり品質が安定してて安心する。",
            "初めて{b}を試したけど、評判どおり本当に良かった！",
            "{b}は何回頼んでも当たり外れがないのがすごい。",
            "久しぶりに{b}を買ったら前より良くなってた気がする。",
            "{b}のクオリティ、この値段なら文句なし。",
        ),
        "neutral": (
            "{b}って他と比べてどうなんだろう。使ってる人いる？",
            "{b}、可もなく不可もなくって感じ。",
            "帰りに{b}寄ってみた。感想はまた今度。",
            "{b}、最近何か変わった？気のせいかな。",
            "ニュースで{b}の名前を見かけた。今度試してみようかな。",
        ),
        "negative": (
            "最近の{b}、明らかに品質落ちてない？",
            "{b}で今週2回目の不良品。さすがにがっかり。",
            "昔は{b}一択だったのに、最近は残念なことが多い。",
            "{b}の商品、届いたら半分壊れてた…",
            "この値段でこの品質はちょっと…{b}には期待してたのに。",
        ),
    },
    "price": {
        "positive": (
            "{b}、今週セールやっててかなりお得だった。",
            "この品質でこの値段なら{b}はコスパ最強だと思う。",
            "{b}のポイントだけで一回分タダになった！",
            "節約のつもりで{b}に乗り換えたら、むしろ満足度上がった。",
        ),
        "neutral": (
            "{b}ってまた値上げした？記憶違いかな。",
            "{b}って学割あるのかな。",
            "{b}の値段、もう他とあまり変わらない気がする。",
            "{b}と他社の値段を比べてから決めようと思う。",
        ),
        "negative": (
            "{b}、今年3回目の値上げ。さすがに高すぎる。",
            "{b}の値段でこの内容はちょっと納得いかない。",
            "{b}、値段据え置きで量だけ減ってるの気づいてるからね。",
            "もう{b}の値段にはついていけない…",
        ),
    },
    "support": {
        "positive": (
            "{b}のサポートの方、5分で解決してくれた。神対応！",
            "注文トラブルがあったけど{b}がすぐ対応してくれて助かった。",
            "{b}のカスタマーサービス、ちゃんと折り返し電話くれて感動。",
            "{b}のチャット担当の方、すごく丁寧でした。ありがとうございます。",
        ),
        "neutral": (
            "{b}に問い合わせるならチャットとメールどっちが早い？",
            "アカウントのことで{b}に問い合わせ中。返事待ち。",
            "{b}って電話窓口あるのかな？",
            "{b}に注文のことで連絡してみた。返信いつ来るかな。",
        ),
        "negative": (
            "{b}の電話、45分待ってもつながらない。",
            "{b}のサポート、何も解決してないのに問い合わせを閉じられた。",
            "{b}に3回メールしたのに、返ってくるのは定型文だけ。",
            "{b}のチャットボット、同じ案内を繰り返すだけで話にならない。",
        ),
    },
    "delivery": {
        "positive": (
            "{b}、予定より1日早く届いた。梱包も丁寧。",
            "昨日の夜{b}で頼んだのに、もう昼には届いた。早い！",
            "{b}の配送状況、分単位で正確でありがたい。",
            "{b}の配達員さん、すごく感じが良かった。",
        ),
        "neutral": (
            "{b}の荷物、配達中になった。楽しみ。",
            "{b}って海外発送だと何日くらいかかるんだろう。",
            "{b}って土日も配達してくれる？",
            "{b}の配送先を変更した。ちゃんと反映されるといいけど。",
        ),
        "negative": (
            "{b}の注文、1週間遅れてて追跡も全然更新されない。",
            "{b}で配達完了になってるのに、荷物が届いてない。",
            "{b}、今月3回目の配送遅延。",
            "前は{b}の配送って信頼できたのに、今は運次第。",
        ),
    },
    "app": {
        "positive": (
            "新しい{b}のアプリ、サクサク動いて再注文も2タップで終わる。",
            "{b}アプリのデザイン変更、すごく見やすくなった。",
            "{b}のアプリがいつもの注文を覚えててくれるの地味に便利。",
            "{b}のモバイルオーダーのおかげで朝がだいぶ楽になった。",
        ),
        "neutral": (
            "{b}のアプリ、今落ちてる？自分だけ？",
            "{b}アプリがアップデートされてた。まだ慣れない。",
            "{b}のアプリってApple Pay使えるようになった？",
            "今回はサイトじゃなくて{b}のアプリから頼んでみる。",
        ),
        "negative": (
            "{b}のアプリ、開くたびにログアウトされる。",
            "{b}アプリ、決済画面で2回も落ちた。",
            "新しい{b}アプリ、どこに何があるのか全然わからない。",
            "昨日から{b}のアプリにログインできない。",
        ),
    },
    "billing": {
        "positive": (
            "{b}、返金が1日で完了した。対応早い。",
            "{b}が二重請求に気づいて、こちらから言う前に返金してくれた。",
            "{b}のサブスク解約、すごく簡単だった。",
            "{b}は明細がわかりやすくて余計な手数料もない。",
        ),
        "neutral": (
            "{b}の月額プランって毎月何日に請求されるんだろう。",
            "{b}ってPayPay使える？",
            "{b}のカード情報を更新した。",
            "明細見て{b}の引き落とし日を確認中。",
        ),
        "negative": (
            "{b}で同じ注文を二重請求されたのに返金してもらえない。",
            "{b}の返金、3週間待ってもまだ来ない。",
            "{b}、解約したのにサブスクが更新されてた。ありえない。",
            "{b}、決済画面で謎の手数料が追加されてた。もう使わない。",
        ),
    },
}

# Planted incidents: one theme per spike day, so the alert has a clear story to tell.
SPIKE: dict[str, dict[str, tuple[str, ...]]] = {
    "delivery_delay": {
        "en": (
            "Anyone else's {b} order stuck? Mine was due yesterday and tracking hasn't moved.",
            "{b} just emailed that my delivery is 'delayed indefinitely'. What is going on?",
            "Seeing a lot of people with late {b} deliveries today. Mine too.",
            "Day three of waiting for {b}. No update, no reply from support.",
            "Whole neighbourhood seems to be missing their {b} orders today.",
            "{b} delivery delays are out of control. Cancelled my order.",
        ),
        "ja": (
            "{b}の荷物、昨日届く予定だったのに追跡が止まったまま。",
            "{b}から「配送遅延」のメールだけ来て、いつ届くのか不明。",
            "今日{b}の配送遅れてる人多くない？うちもまだ来ない。",
            "{b}の荷物待ち3日目。サポートも返信なし。",
            "{b}の配送遅延ひどすぎて注文キャンセルした。",
        ),
    },
    "app_update": {
        "en": (
            "The {b} app update broke everything. Can't log in at all.",
            "After today's {b} update the app crashes on launch. Great job.",
            "{b} please roll back the update, checkout doesn't work anymore.",
            "Lost all my saved favourites after the {b} app update. Thanks a lot.",
            "Is the {b} app broken for everyone since the update or just me?",
            "Uninstalled the {b} app. The new version is unusable.",
        ),
        "ja": (
            "{b}のアプリ、アップデートしたらログインできなくなった。",
            "今日の{b}アップデート後、アプリが起動直後に落ちる。",
            "{b}さん、アップデート戻してください。決済できません。",
            "{b}アプリ更新したらお気に入りが全部消えた…",
            "アップデート後の{b}アプリ、使い物にならない。",
        ),
    },
}

EN_OPENERS = {
    "positive": ("", "", "", "Okay, ", "Not gonna lie, ", "PSA: ", "Can confirm: "),
    "neutral": ("", "", "", "Quick question: ", "Random thought: ", "Hmm. "),
    "negative": ("", "", "", "Ugh. ", "Rant incoming: ", "Seriously, ", "Sigh. "),
}
EN_CLOSERS = {
    "positive": ("", "", "", " Highly recommend.", " 10/10 would order again.", " Made my day."),
    "neutral": ("", "", "", " Any tips?", " Thoughts?", " We'll see."),
    "negative": ("", "", "", " Do better.", " Not impressed.", " Looking at alternatives now."),
}
JA_OPENERS = {
    "positive": ("", "", "", "正直、", "やっぱり", "聞いて！"),
    "neutral": ("", "", "", "ちょっと質問。", "ふと思ったけど、"),
    "negative": ("", "", "", "うーん…", "ちょっと愚痴。", "正直、"),
}
JA_CLOSERS = {
    "positive": ("", "", "", "おすすめです。", "リピート確定。", "また頼もう。"),
    "neutral": ("", "", "", "誰か知ってる？", "様子見かな。"),
    "negative": ("", "", "", "改善してほしい。", "残念。", "他に乗り換えようかな。"),
}
EMOJI = {
    "positive": ("😍", "🙌", "👍", "✨", "😊", "💯"),
    "neutral": ("🤔", "👀", "🙂"),
    "negative": ("😡", "😤", "👎", "🙄", "😞", "💢"),
}
EN_TAGS = {
    "positive": ("#recommend", "#deals", "#review", "#happycustomer"),
    "neutral": ("#review", "#question", "#mondaymood"),
    "negative": ("#fail", "#customerservice", "#disappointed"),
}
JA_TAGS = {
    "positive": ("#レビュー", "#リピ買い", "#買ってよかった"),
    "neutral": ("#レビュー", "#正直な感想"),
    "negative": ("#正直な感想", "#残念", "#改善希望"),
}

HANDLE_FIRST = ("sky", "mika", "ken", "hana", "jules", "nori", "alex", "yuki", "sam", "rio",
                "taro", "emma", "kai", "mei", "leo", "sora", "noah", "aki", "zoe", "ren")
HANDLE_SECOND = ("bean", "cat", "dev", "runner", "fox", "tea", "pixel", "moon", "ramen", "wave",
                 "mochi", "lab", "notes", "walker", "owl", "garden")
