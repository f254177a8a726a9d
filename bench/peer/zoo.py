"""The zoo models of src/nn/zoo.ts in PyTorch, with the same parameter names, for peers and fixtures."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


class VggSmall(nn.Module):
    def __init__(self, c, classes, widths=(32, 32, 64, 64, 128)):
        super().__init__()
        a, b, d, e, f = widths
        self.features = nn.Sequential(
            *conv_bn_relu(c, a), *conv_bn_relu(a, b), nn.MaxPool2d(2),
            *conv_bn_relu(b, d), *conv_bn_relu(d, e), nn.MaxPool2d(2),
            *conv_bn_relu(e, f), nn.MaxPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(f, classes)

    def forward(self, x):
        return self.classifier(self.features(x))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        o = self.bn2(self.conv2(h))
        return F.relu(o + (self.downsample(x) if self.downsample is not None else x))


class ResNetSmall(nn.Module):
    def __init__(self, c, classes, widths=(16, 32, 64)):
        super().__init__()
        a, b, d = widths
        self.conv1 = nn.Conv2d(c, a, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(a)
        self.layer1 = nn.Sequential(BasicBlock(a, a, 1), BasicBlock(a, a, 1))
        self.layer2 = nn.Sequential(BasicBlock(a, b, 2), BasicBlock(b, b, 1))
        self.layer3 = nn.Sequential(BasicBlock(b, d, 2), BasicBlock(d, d, 1))
        self.fc = nn.Linear(d, classes)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.layer3(self.layer2(self.layer1(h)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


class InvertedResidual(nn.Module):
    """1x1 expand (unless t == 1), 3x3 depthwise, 1x1 project; convs and BatchNorms alternate in `conv`, ReLU6 applied
    after the first two BatchNorms (as src/zoo's mobilenetv2-small names them)."""
    def __init__(self, cin, cout, t, stride, residual):
        super().__init__()
        hidden = cin * t
        layers = [] if t == 1 else [nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden)]
        layers += [nn.Conv2d(hidden, hidden, 3, stride=stride, padding=1, groups=hidden, bias=False), nn.BatchNorm2d(hidden),
                   nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)
        self.residual = residual

    def forward(self, x):
        h = x
        for i in range(0, len(self.conv), 2):
            h = self.conv[i + 1](self.conv[i](h))
            if i + 2 < len(self.conv):
                h = F.relu6(h)
        return x + h if self.residual else h


class MobileNetV2Small(nn.Module):
    def __init__(self, c, classes):
        super().__init__()
        layers = [nn.Sequential(nn.Conv2d(c, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU6())]
        cin = 16
        for t, cout, n, s in [(1, 16, 1, 1), (4, 24, 2, 2), (4, 32, 2, 2), (4, 64, 2, 2)]:
            for k in range(n):
                stride = s if k == 0 else 1
                layers.append(InvertedResidual(cin, cout, t, stride, k > 0 or (s == 1 and cin == cout)))
                cin = cout
        layers.append(nn.Sequential(nn.Conv2d(cin, 128, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU6()))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(128, classes)

    def forward(self, x):
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1))


def build(arch, c, classes, widths=None):
    if arch == 'mobilenetv2-small':
        assert widths is None, 'mobilenetv2-small: no student widths'
        return MobileNetV2Small(c, classes)
    cls = {'vgg-small': VggSmall, 'resnet-small': ResNetSmall}[arch]
    return cls(c, classes) if widths is None else cls(c, classes, tuple(widths))
